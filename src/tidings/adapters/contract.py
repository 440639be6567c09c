"""The edge of the event contract: JSON text or objects in, domain `Event`s out.

pydantic parses and validates straight into the domain's dataclasses (one pass, in Rust);
every refusal becomes an `InvalidEvent` that names the event id and the field.

An event nests at most `MAX_DEPTH` arrays and objects, looked at before any parser sees it:
`json.loads` recurses once a level until Python's stack gives out (200 KB of `[[[` does), and
pydantic's parser would stop at a limit of its own, other than ours. The look is two counts
for a line of an event's few brackets (0.4 µs, under 0.2 % of a replay).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import make_dataclass
from datetime import UTC, datetime
from functools import lru_cache
from sys import intern
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from tidings.adapters.templates import texts_errors
from tidings.domain.catalogue import Catalogue, check_overrides
from tidings.domain.errors import InvalidEvent, InvalidJourney
from tidings.domain.events import DATA_TYPES, Event, StoreUpserted

MAX_DEPTH = 64  # the deepest event, a store's template variants, nests 7
# a string, skipped whole (its brackets are text), or an opening (group 1) or closing bracket
_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|([\[{])|[\]}]')
_CONFIG = ConfigDict(strict=True, alias_generator=lambda name: "from" if name == "sender" else name)


def _envelope(type_name: str, data_cls: type[Any]) -> type[Any]:
    fields = [
        ("id", str),
        ("type", Literal[type_name]),
        ("store", str),
        ("occurred_at", datetime),
        ("data", data_cls),
    ]
    return make_dataclass(f"Envelope_{data_cls.__name__}", fields, frozen=True, slots=True)


@lru_cache(maxsize=1)
def _adapter() -> TypeAdapter[Any]:
    envelopes = tuple(_envelope(name, cls) for name, cls in DATA_TYPES.items())
    union = Annotated[Union[envelopes], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
    return TypeAdapter(union, config=_CONFIG)


def parse_line(line: str | bytes, where: str = "") -> Event:
    """Parse one JSON event; raise InvalidEvent naming `where`, the id and the field."""
    text = line if isinstance(line, str) else line.decode("utf-8", "replace")
    deep = too_deep(text)
    if deep is not None:
        raise InvalidEvent(f"{_DEEP} (char {deep})", where=where)
    try:
        env = _adapter().validate_json(line)
    except ValidationError as exc:
        raise _invalid(exc, _peek_id(text), where) from None
    return _to_event(env, text, where)


def parse_object(obj: Any, where: str = "") -> Event:
    """Validate one already-decoded JSON object (the HTTP API path), exactly as a line."""
    return parse_line(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), where)


def loads(text: str | bytes) -> Any:
    """`json.loads` for text from outside: one nested too deeply is a JSONDecodeError."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
    deep = too_deep(text)
    if deep is not None:
        raise json.JSONDecodeError(_DEEP, text, deep)
    return json.loads(text)


def array_items(text: str) -> list[tuple[Any, str]]:
    """A JSON array's elements, each decoded and as its own text, so that each is validated
    as a line is (in one pass, no second encoding) and its own depth looked at alone. Raises
    json.JSONDecodeError for text that is no array, and for one nested past Python's stack."""
    at = _space(text, 0)
    if not text.startswith("[", at):
        raise json.JSONDecodeError("expected an array", text, at)
    at = _space(text, at + 1)
    items: list[tuple[Any, str]] = []
    while not text.startswith("]", at) or items:
        try:
            obj, end = _DECODER.raw_decode(text, at)
        except RecursionError:
            raise json.JSONDecodeError(_DEEP, text, at) from None
        items.append((obj, text[at:end]))
        at = _space(text, end)
        if text.startswith("]", at):
            break
        if not text.startswith(",", at):
            raise json.JSONDecodeError("expected ',' or ']'", text, at)
        at = _space(text, at + 1)
    if _space(text, at + 1) != len(text):
        raise json.JSONDecodeError("extra data after the array", text, at + 1)
    return items


def _space(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # matches even nothing


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def too_deep(text: str) -> int | None:
    """Where `text` opens its array or object number MAX_DEPTH + 1 inside another, if it does.

    Text with no more brackets than that (nearly every event) is passed on two counts;
    only a longer one is walked token by token."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    level = 0
    for token in _TOKENS.finditer(text):
        if token[1]:
            level += 1
            if level > MAX_DEPTH:
                return token.start()
        elif token[0] in "]}":
            level -= 1
    return None


_DEEP = f"nested deeper than {MAX_DEPTH} arrays and objects"


def check_event(catalogue: Catalogue, event: Event, where: str) -> Event:
    """Checks that need the journeys in force: a store's overrides must name real ones."""
    if isinstance(event.data, StoreUpserted) and event.data.journeys:
        try:
            check_overrides(catalogue, event.data.journeys)
        except InvalidJourney as exc:
            field, _, reason = str(exc).partition(": ")
            raise InvalidEvent(
                reason, where=_where(where, event.id), field=f"data.{field}"
            ) from None
        for field, problem in _template_errors(event.data.journeys):
            raise InvalidEvent(problem, where=_where(where, event.id), field=f"data.{field}")
    return event


def _template_errors(overrides: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, what is wrong) of each override text that is no template."""
    for journey, raw in overrides.items():
        for step, texts in (raw.get("templates") or {}).items():
            for locale, problem in texts_errors(texts):
                yield f"journeys.{journey}.templates.{step}.{locale}", problem


def _to_event(env: Any, raw: str, where: str) -> Event:
    try:
        at = env.occurred_at
        at = at.astimezone(UTC) if at.tzinfo is not None else at  # naive: refused by Event
        return Event(env.id, env.type, intern(env.store), at, env.data, raw)  # one per store
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise InvalidEvent(reason or str(exc), where=_where(where, env.id), field=field) from None


def _invalid(exc: ValidationError, ident: Any, where: str) -> InvalidEvent:
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    if loc and "." in loc[0] and len(loc) > 1:
        loc = loc[1:]  # drop the discriminator tag, e.g. "order.paid"
    field = ".".join(loc)
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "value_error" and ": " in msg:
        inner, _, msg = msg.partition(": ")
        field = f"{field}.{inner}" if field else inner
    if err["type"] == "string_pattern_mismatch":
        msg = f"{msg}, got {err['input']!r}"
    if err["type"] == "union_tag_invalid":
        field, msg = "type", f"unknown event type {err['input'].get('type')!r}"
    elif err["type"] == "union_tag_not_found":
        field, msg = "type", "missing"
    return InvalidEvent(msg, where=_where(where, ident), field=field)


def _where(where: str, ident: Any) -> str:
    named = f"event {ident!r}" if isinstance(ident, str) else ""
    return ", ".join(p for p in (where, named) if p)


def _peek_id(line: str | bytes) -> Any:
    try:
        obj = loads(line)
    except ValueError:
        return None
    return obj.get("id") if isinstance(obj, dict) else None
