"""Checks the event contract needs beyond types; each names the field it refuses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from tidings.domain.times import OUT_OF_RANGE, in_range, zone

STORE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_MONEY = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
_BIRTHDAY = re.compile(r"^(\d{4}-)?(\d{2})-(\d{2})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")  # spaces and control characters


def check(ok: bool, field: str, reason: str) -> None:
    """Raise a ValueError naming `field` unless `ok`."""
    if not ok:
        raise ValueError(f"{field}: {reason}")


@dataclass(frozen=True, slots=True)
class Pattern:
    """Metadata for `Annotated[str, Pattern(...)]`: the text must match `regex`.

    The edge's validator reads it through the `__get_pydantic_core_schema__` hook and checks
    it natively; the domain itself imports no validation library.
    """

    regex: str

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["pattern"] = self.regex
        return schema


Money = Annotated[str, Pattern(_MONEY.pattern)]
"""Money is a decimal string such as "129.00"."""
Region = Annotated[str, Pattern(r"^[A-Z]{2}$")]
"""ISO 3166 alpha-2, e.g. CN."""
Currency = Annotated[str, Pattern(r"^[A-Z]{3}$")]
"""ISO 4217, e.g. CNY."""


def check_zone(name: str, field: str) -> None:
    """An IANA time zone that this machine knows."""
    try:
        zone(name)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def check_aware(value: datetime | None, field: str) -> None:
    """Timestamps inside data need an offset too, and a year tidings reckons with."""
    if value is not None:
        check(
            value.tzinfo is not None and value.utcoffset() is not None,
            field,
            "a time zone offset is required",
        )
        check(in_range(value), field, OUT_OF_RANGE)


def check_web_url(value: str | None, field: str, *, base: bool = False) -> None:
    """A link target from outside: an absolute http(s) URL with a host, never a path of the
    pages tidings serves (only tidings links to those) nor `javascript:` and the like. A
    `base` (a store's `base_url`, which links are put under) has no query or fragment."""
    if value is None:
        return
    check(not _UNSAFE.search(value), field, "must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # a malformed host, e.g. an unclosed [
        scheme, host = "", None
    wanted = "must be an absolute http or https URL (https://host/...)"
    check(scheme in ("http", "https") or not scheme, field, f"{wanted}, not {scheme}:")
    check(bool(scheme and host), field, wanted)
    if base:
        check(not parts.query and not parts.fragment, field, "must have no query or fragment")


def web_host(url: str) -> str:
    """The host of a URL (or of a `Host` header given as `//host:port`), as links compare
    hosts: lower case, no port, no trailing dot; empty when there is none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")
