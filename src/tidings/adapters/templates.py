"""Seller-written templates, rendered in Jinja2's sandbox (never eval)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment


class JinjaRenderer:
    def __init__(self) -> None:
        self.env = SandboxedEnvironment(
            autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
        )
        self._compile = lru_cache(maxsize=1024)(self._build)

    def _build(self, source: str) -> Template:
        return self.env.from_string(source)

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return self._compile(template).render(context).strip()
