"""Seller-written templates, rendered in Jinja2's sandbox (never eval).

Besides Jinja's own filters, `local(zone, format)` shows a time in a time zone, e.g.
`{{ shipment.storage_until | local(tz, "%d.%m %H:%M") }}` (`tz` is the recipient's zone).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from tidings.domain.errors import InvalidTemplate
from tidings.domain.times import zone


class JinjaRenderer:
    def __init__(self) -> None:
        self.env = SandboxedEnvironment(
            autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
        )
        self.env.filters["local"] = _local
        self._compile = lru_cache(maxsize=1024)(self._build)

    def _build(self, source: str) -> Template:
        return self.env.from_string(source)

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        try:
            return self._compile(template).render(context).strip()
        except TemplateError as exc:
            raise InvalidTemplate(f"{type(exc).__name__}: {exc}") from None


_SYNTAX = SandboxedEnvironment(autoescape=False)


def syntax_error(template: str) -> str | None:
    """What is wrong with a template's syntax, or None (names it uses are checked only when it
    renders)."""
    try:
        _SYNTAX.parse(template)
    except TemplateError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def texts_errors(texts: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(locale, what is wrong) of each text of a step, or each of its variants, that is no
    template."""
    for locale, text in texts.items():
        for one in text if isinstance(text, list | tuple) else (text,):
            problem = syntax_error(str(one))
            if problem:
                yield locale, problem


def _local(value: Any, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(zone(tz)).strftime(fmt) if isinstance(value, datetime) else ""
