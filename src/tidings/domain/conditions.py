"""Declarative predicates over a context of named entities; parsed, never eval'd.

A condition is `{field = "order.paid_at", set = true}` or `{field = "cart.item_count", eq = 0}`
(or `{field = "customer.tags", has = "vip"}`);
a value written `"@cart.updated_at"` refers to another field of the same context.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tidings.domain.errors import InvalidJourney

OPS = ("eq", "ne", "in", "not_in", "has", "set", "gt", "gte", "lt", "lte")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another field, written "@entity.field"."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    path: tuple[str, ...]
    op: str
    value: Any

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        left = resolve(self.path, ctx)
        right = resolve(self.value.path, ctx) if isinstance(self.value, Ref) else self.value
        return _compare(self.op, left, right)

    def written(self) -> str:
        """The condition as a journey file writes it: `{ field = "order.paid_at", set = true }`."""
        return f"{{ field = {_toml('.'.join(self.path))}, {self.op} = {_toml(self.value)} }}"


def _toml(value: Any) -> str:
    """A value as TOML writes it inline (strings quoted, true/false, lists in brackets)."""
    if isinstance(value, Ref):
        return _toml("@" + ".".join(value.path))
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def resolve(path: tuple[str, ...], ctx: Mapping[str, Any]) -> Any:
    """Follow `entity.field...` through the context; None where anything is missing."""
    value: Any = ctx.get(path[0])
    for name in path[1:]:
        if value is None:
            return None
        value = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "set":
        present = left is not None and left != "" and left != () and left != []
        return present is bool(right)
    if op in ("eq", "ne"):
        return (left == right) is (op == "eq")
    if op in ("in", "not_in"):
        return (left in right) is (op == "in")
    if op == "has":  # a list field holds the value, e.g. customer.tags has "vip"
        return isinstance(left, list | tuple) and right in left
    if left is None or right is None:
        return False
    if op == "gt":
        return bool(left > right)
    if op == "gte":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)


def any_holds(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> bool:
    return any(c.holds(ctx) for c in conditions)


def all_hold(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> bool:
    return all(c.holds(ctx) for c in conditions)


def first_failing(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> Condition | None:
    """The first of `conditions` that does not hold (None: all hold, as `all_hold` says)."""
    return next((c for c in conditions if not c.holds(ctx)), None)


def first_holding(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> Condition | None:
    """The first of `conditions` that holds (None: none does, as `any_holds` says)."""
    return next((c for c in conditions if c.holds(ctx)), None)


def parse_condition(raw: Mapping[str, Any], where: str) -> Condition:
    """Read one condition written as a table with `field` and exactly one operator."""
    ops = [k for k in raw if k != "field"]
    if "field" not in raw or len(ops) != 1 or ops[0] not in OPS:
        raise InvalidJourney(f"{where}: a condition needs `field` and one of {', '.join(OPS)}")
    op, value = ops[0], raw[ops[0]]
    if op in ("in", "not_in") and not isinstance(value, list):
        raise InvalidJourney(f"{where}: `{op}` takes a list")
    if isinstance(value, str) and value.startswith("@"):
        value = Ref(tuple(value[1:].split(".")))
    elif isinstance(value, list):
        value = tuple(value)
    return Condition(tuple(str(raw["field"]).split(".")), op, value)


def parse_conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InvalidJourney(f"{where}: expected a list of conditions")
    return tuple(parse_condition(item, f"{where}[{i}]") for i, item in enumerate(raw))
