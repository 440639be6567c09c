"""The bounds of a seller's template, and the checks that keep it within them.

Its one rule: no template makes a large value or runs long, whatever it is written to do.

- every value a template makes holds at most `MAX_SIZE` characters or items, counted deep (a
  list of one long text a thousand times is as long as its texts); an integer at most
  `MAX_BITS` bits;
- everything a render writes, the buffers of `set` blocks and macros included, adds up to at
  most `MAX_WRITTEN` characters;
- a render takes at most `MAX_STEPS` steps (a loop's turn, a call, an attribute, an operator,
  a filter, a write) and the seconds of its `Budget`, its clock read every `CLOCK_EVERY`
  steps (no step takes long: each one's inputs are bounded).

An operation whose result could pass a bound is refused before it runs (`*`, `**`, `+`, `%`,
`~`, `format`, `replace`, `join`, widths); every other result is measured after. Passing a
bound raises `OverBudget`, a template error; without a budget (while compiling) only the sizes
are checked. `adapters/sandbox.py` makes every template go through these checks.
"""

from __future__ import annotations

import numbers
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import SecurityError

MAX_SIZE = 20_000  # characters or items of any value, and of a rendered text
MAX_BITS = 256  # an integer's size: 77 decimal digits
MAX_WRITTEN = 100_000  # characters one render writes, buffers included
MAX_STEPS = 100_000  # about 0.1 s of the simplest steps
MAX_DEPTH = 20  # lists in lists a value may nest
MAX_SOURCE = 10_000  # characters of a template's own text
CLOCK_EVERY = 16  # steps between two readings of the clock (a thread's CPU time costs 1.4 µs)

# The str methods a template may call; the others (translate, expandtabs, encode…) are unsafe.
# fmt: off
STR_METHODS = frozenset((
    "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index",
    "isalnum", "isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
    "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
    "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
))
# fmt: on


class OverBudget(SecurityError):
    """A template went past one of the sandbox's bounds (named in the message)."""


@dataclass
class Budget:
    """What one render may still spend: steps, characters written, time on its clock."""

    clock: Callable[[], float]
    deadline: float
    steps: int = MAX_STEPS
    written: int = MAX_WRITTEN

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise OverBudget(f"the template takes more than {MAX_STEPS} steps")
        if self.steps % CLOCK_EVERY == 0 and self.clock() > self.deadline:
            raise OverBudget("the template takes longer than its time budget")

    def write(self, chars: int) -> None:
        self.written -= chars
        if self.written < 0:
            raise OverBudget(f"the template writes more than {MAX_WRITTEN} characters")


_BUDGET: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


@contextmanager
def budget(seconds: float, clock: Callable[[], float]) -> Iterator[Budget]:
    """The budget of the renders inside the block."""
    spent = Budget(clock, clock() + seconds)
    token = _BUDGET.set(spent)
    try:
        yield spent
    finally:
        _BUDGET.reset(token)


def current() -> Budget | None:
    """The budget of the render under way, if any."""
    return _BUDGET.get()


def step() -> None:
    spent = _BUDGET.get()
    if spent is not None:
        spent.step()


def size(value: Any, depth: int = 0) -> int:
    """Characters or items of `value`, counted deep; anything else counts one."""
    if not hasattr(value, "__len__"):  # numbers, dates, objects: the quick way out
        return 1
    if isinstance(value, str | bytes | range):
        return len(value)
    if depth > MAX_DEPTH:
        raise OverBudget(f"the template nests values more than {MAX_DEPTH} deep")
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) + sum(size(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return len(value) + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in value.items())
    return 1


def bounded(value: Any) -> Any:
    """`value`, if it is within the bounds."""
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise OverBudget(f"the template makes a number of more than {MAX_BITS} bits")
    if size(value) > MAX_SIZE:
        raise OverBudget(f"the template makes a value of more than {MAX_SIZE} characters")
    return value


def within(predicted: int) -> None:
    if predicted > MAX_SIZE:
        raise OverBudget(f"the template would make a value of {predicted} characters")


def text_size(value: Any) -> int:
    """Characters of `value` written out (it is within the bounds)."""
    return len(value) if isinstance(value, str) else len(str(bounded(value)))


# --- operators ---------------------------------------------------------------------------

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def check_mul(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_BITS:
            raise OverBudget(f"the template makes a number of more than {MAX_BITS} bits")
        return
    for seq, times in ((left, right), (right, left)):
        if isinstance(times, int) and isinstance(seq, str | list | tuple):
            within(size(seq) * max(times, 0))


def check_pow(base: Any, exponent: Any) -> None:
    if not isinstance(exponent, int) or exponent <= 0:
        return
    if isinstance(base, int) and abs(base) > 1 and base.bit_length() * exponent > MAX_BITS:
        raise OverBudget(f"the template makes a number of more than {MAX_BITS} bits")
    if exponent.bit_length() > MAX_BITS:
        raise OverBudget(f"the template raises to a power of more than {MAX_BITS} bits")


def check_add(left: Any, right: Any) -> None:
    if not isinstance(left, int | float) and not isinstance(right, int | float):
        within(size(left) + size(right))


def check_printf(fmt: str, args: Any) -> None:
    """`fmt % args` writes at most its text, its widths and each field's value."""
    specs = _PRINTF.findall(fmt)
    if any("*" in spec for spec in specs):
        raise OverBudget("a format's widths must be written in it, not passed")
    widths = sum(int(w or 0) + int(p or 0) for w, p in specs)
    if isinstance(args, Mapping):
        values = list(args.values())
    else:
        values = list(args) if isinstance(args, tuple) else [args]
    longest = max((text_size(v) for v in values), default=0)
    within(len(fmt) + widths + len(specs) * longest)


def check_format(fmt: str, args: Iterable[Any]) -> None:
    """`fmt.format(*args)` writes at most its text, its widths and each field's value."""
    fields = [spec for _, name, spec, _ in string.Formatter().parse(fmt) if name is not None]
    if any("{" in (spec or "") for spec in fields):
        raise OverBudget("a format's widths must be written in it, not passed")
    widths = sum(int(n) for spec in fields for n in re.findall(r"\d+", spec or ""))
    longest = max((text_size(v) for v in args), default=0)
    within(len(fmt) + widths + len(fields) * longest)


BINOP_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "*": check_mul,
    "**": check_pow,
    "+": check_add,
    "%": lambda left, right: check_printf(left, right) if isinstance(left, str) else None,
}


# --- str methods and filters whose result could outgrow their inputs ---------------------


def predict_replace(text: Any, old: Any, new: Any, count: Any = None) -> None:
    text, old, new = str(text), str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    within(len(text) + times * max(len(new) - len(old), 0))


def predict_width(_value: Any, width: Any = 0, *_args: Any, **_kwargs: Any) -> None:
    if isinstance(width, int):
        within(width)


def predict_indent(text: Any, width: Any = 4, *_args: Any, **_kwargs: Any) -> None:
    indent = width if isinstance(width, int) else len(str(width))
    within(len(str(text)) + (str(text).count("\n") + 1) * indent)


def predict_wordwrap(text: Any, width: Any = 79, *args: Any, **kwargs: Any) -> None:
    wrapstring = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
    within(len(str(text)) * (1 + len(str(wrapstring))))


def predict_format(fmt: Any, *args: Any, **kwargs: Any) -> None:
    check_printf(str(fmt), kwargs or args)


def predict_json(value: Any, indent: Any = None) -> None:
    """JSON indents every item on a line of its own: up to `indent` spaces per nesting level."""
    within(size(value) * (8 + (indent if isinstance(indent, int) else len(str(indent or "")))))


def check_sum(_iterable: Any, _attribute: Any = None, start: Any = 0) -> None:
    """Only numbers add up: lists or texts added one by one copy the total each time."""
    if not isinstance(start, numbers.Number):
        raise OverBudget("a sum starts from a number")


def joined(items: Iterable[Any], sep: str) -> str:
    """`sep.join` of the items' texts, refused as soon as it would be too long."""
    texts, total = [], 0
    for item in items:
        step()
        text = str(bounded(item))
        total += len(text) + len(sep)
        within(total - len(sep))
        texts.append(text)
    return sep.join(texts)


STR_CHECKS: dict[str, Callable[..., None]] = {
    "replace": predict_replace,
    "center": predict_width,
    "ljust": predict_width,
    "rjust": predict_width,
    "zfill": predict_width,
}
FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "replace": predict_replace,
    "center": predict_width,
    "indent": predict_indent,
    "wordwrap": predict_wordwrap,
    "format": predict_format,
    "batch": predict_width,
    "slice": predict_width,
    "tojson": predict_json,
    "sum": check_sum,
}


def guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, stepping, with its inputs and result checked (and predicted, for some)."""
    check = FILTER_CHECKS.get(name)
    passes = getattr(func, "jinja_pass_arg", None)

    def guarded(*args: Any, **kwargs: Any) -> Any:
        step()
        values = args[1:] if passes is not None else args
        for value in (*values, *kwargs.values()):
            bounded(value)
        if check is not None:
            check(*values, **kwargs)
        return bounded(func(*args, **kwargs))

    if passes is not None:
        guarded.jinja_pass_arg = passes  # type: ignore[attr-defined]
    return guarded


def bounded_range(*args: int) -> range:
    """The `range` of templates: at most `MAX_SIZE` numbers."""
    span = range(*args)
    within(len(span))
    return span
