"""Seller-written templates, rendered in a bounded sandbox (`adapters/sandbox.py`, never eval).

Its one rule: whatever goes wrong in a render, a bound passed or any error of the template's
own making, is `InvalidTemplate` (the message waits for the seller to mend the text); and a
template that passes a bound on its own, with no data, is refused when it comes in.

Besides Jinja's own filters, `when(zone, locale)` shows a time as the recipient's language
writes it in a short text, e.g. `{{ shipment.storage_until | when(tz, locale) }}` (`tz` and
`locale` are the recipient's): `Dec 1, 12:00`, `12月1日12:00`, `01.12 12:00`; and
`local(zone, format)` in a format of the seller's, e.g. `local(tz, "%d.%m %H:%M")`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, Template, TemplateError

from tidings.adapters.sandbox import BoundedEnvironment
from tidings.adapters.template_bounds import MAX_SIZE, OverBudget, budget
from tidings.adapters.template_plan import Plan, plan
from tidings.domain.errors import InvalidTemplate
from tidings.domain.times import spoken, zone

# One render's time budget, in the CPU time of the rendering thread (`time.thread_time`): what
# the template itself spends, so that a loaded machine never makes a good template invalid
# (and a replay gives the same result on any machine). A good one takes about 1 ms.
SECONDS = 0.25


def _local(value: Any, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(zone(tz)).strftime(fmt) if isinstance(value, datetime) else ""


def _when(value: Any, tz: str, locale: str = "en") -> str:
    return spoken(value, zone(tz), locale) if isinstance(value, datetime) else ""


class JinjaRenderer:
    def __init__(
        self, *, seconds: float = SECONDS, clock: Callable[[], float] = time.thread_time
    ) -> None:
        self.env = BoundedEnvironment(undefined=StrictUndefined)
        self.env.add_filter("local", _local)
        self.env.add_filter("when", _when)
        self.seconds, self.clock = seconds, clock
        self._compile = lru_cache(maxsize=1024)(self._build)
        self._plan = lru_cache(maxsize=1024)(self._planned)

    def _build(self, source: str) -> Template:
        return self.env.from_string(source)

    def _planned(self, source: str) -> Plan | None:
        return plan(self.env, source)

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        """The text of `template` over `context`: by its plan where it has one and the plan
        is sure (`adapters/template_plan.py`), else in the bounded sandbox."""
        quick = self._plan(template)
        if quick is not None:
            try:
                text = quick(context).strip()
            except Exception:  # GiveUp, or an error the sandbox will name
                pass
            else:
                if len(text) <= MAX_SIZE:
                    return text
        try:
            compiled = self._compile(template)
            with budget(self.seconds, self.clock):
                text = compiled.render(context).strip()
        except Exception as exc:  # any failure of a seller's text is the seller's to mend
            raise InvalidTemplate(_why(exc)) from None
        if len(text) > MAX_SIZE:
            raise InvalidTemplate(f"the text is longer than {MAX_SIZE} characters")
        return text


_TRIAL = BoundedEnvironment(undefined=ChainableUndefined)  # every name there, and empty
_TRIAL.add_filter("local", _local)
_TRIAL.add_filter("when", _when)


def syntax_error(template: str, seconds: float = SECONDS) -> str | None:
    """What is wrong with a template as it comes in, or None: its syntax, and the bounds it
    passes rendered with no data (names it uses are checked only when it renders)."""
    try:
        compiled = _TRIAL.from_string(template)
    except Exception as exc:  # a text that does not compile, however it fails
        return _why(exc)
    try:
        with budget(seconds, time.thread_time):
            compiled.render()
    except OverBudget as exc:
        return _why(exc)
    except Exception:  # data missing here: the render will tell
        pass
    return None


def _why(exc: BaseException) -> str:
    """What went wrong, without the values involved (they may be a shopper's data)."""
    if isinstance(exc, TemplateError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__} in the template's arithmetic or filters"


def texts_errors(texts: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(locale, what is wrong) of each text of a step, or each of its variants, that is no
    template."""
    for locale, text in texts.items():
        for one in text if isinstance(text, list | tuple) else (text,):
            problem = syntax_error(str(one))
            if problem:
                yield locale, problem
