"""Declarative predicates over a context of named entities; parsed, never eval'd.

A condition is `{field = "order.paid_at", set = true}` or `{field = "cart.item_count", eq = 0}`
(or `{field = "customer.tags", has = "vip"}`);
a value written `"@cart.updated_at"` refers to another field of the same context.

Each condition is compiled once, when it is made, into `test`: a closure that reads its field
and compares as `resolve` and `_compare` say, without looking its operator up again (journeys
ask their conditions millions of times in a day's replay).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tidings.domain.errors import InvalidJourney

OPS = ("eq", "ne", "in", "not_in", "has", "set", "gt", "gte", "lt", "lte")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another field, written "@entity.field"."""

    path: tuple[str, ...]


Test = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    path: tuple[str, ...]
    op: str
    value: Any
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", _compiled(self.path, self.op, self.value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Condition, (self.path, self.op, self.value))  # its test is made again

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        return self.test(ctx)

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
        return _present(left) is bool(right)
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
    return first_holding(conditions, ctx) is not None


def all_hold(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> bool:
    return first_failing(conditions, ctx) is None


def first_failing(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> Condition | None:
    """The first of `conditions` that does not hold (None: all hold, as `all_hold` says)."""
    for condition in conditions:
        if not condition.test(ctx):
            return condition
    return None


def first_holding(conditions: Sequence[Condition], ctx: Mapping[str, Any]) -> Condition | None:
    """The first of `conditions` that holds (None: none does, as `any_holds` says)."""
    for condition in conditions:
        if condition.test(ctx):
            return condition
    return None


Reader = Callable[[Mapping[str, Any]], Any]


def _reader(path: tuple[str, ...]) -> Reader:
    """`resolve(path, ctx)` for this one path; the usual `entity.field` read directly."""
    if len(path) == 1:
        first = path[0]
        return lambda ctx: ctx.get(first)
    if len(path) > 2:
        return lambda ctx: resolve(path, ctx)
    first, name = path

    def read(ctx: Mapping[str, Any]) -> Any:
        value = ctx.get(first)
        if value is None:
            return None
        if type(value) is dict or isinstance(value, Mapping):
            return value.get(name)
        return getattr(value, name, None)

    return read


def _compiled(path: tuple[str, ...], op: str, value: Any) -> Test:
    """The condition's test: `_compare(op, resolve(path), value)`, its branches chosen now."""
    left = _reader(path)
    if isinstance(value, Ref):
        right = _reader(value.path)
        return lambda ctx: _compare(op, left(ctx), right(ctx))
    if op == "set":
        wanted = bool(value)
        return lambda ctx: _present(left(ctx)) is wanted
    if op in ("eq", "ne"):
        equal = op == "eq"
        return lambda ctx: (left(ctx) == value) is equal
    if op in ("in", "not_in"):
        inside = op == "in"
        return lambda ctx: (left(ctx) in value) is inside
    return lambda ctx: _compare(op, left(ctx), value)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != () and value != []


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
