"""The sandbox a seller's template runs in: Jinja2's immutable sandbox, held to the bounds of
`adapters/template_bounds.py`.

Its one rule: every step of a render goes through a bound. Attributes, calls and operators
are the sandbox's own hooks; loops, writes and `~` are made to pass through internal filters
when the template is parsed (`instrument`), so that no loop turns and no text is written
unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tidings.adapters.template_bounds import (
    BINOP_CHECKS,
    MAX_SOURCE,
    STR_CHECKS,
    STR_METHODS,
    OverBudget,
    bounded,
    bounded_range,
    check_format,
    current,
    guarded_filter,
    joined,
    step,
)

UNSAFE_FILTERS = ("urlize",)  # inserts its target and rel strings once per link
UNSAFE_GLOBALS = ("lipsum",)  # writes as many paragraphs as asked


@pass_context
def _turns(_context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        step()
        yield item


@pass_context
def _written(_context: Context, value: Any) -> str:
    step()
    if not isinstance(value, str):
        bounded(value)
    text = str(value)
    spent = current()
    if spent is not None:
        spent.write(len(text))
    return text


@pass_context
def _concat(_context: Context, values: list[Any]) -> str:
    return joined(values, "")


INTERNAL = {"_tidings_turns": _turns, "_tidings_written": _written, "_tidings_concat": _concat}


def _guard(node: nodes.Expr, name: str) -> nodes.Expr:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def instrument(tree: nodes.Template) -> nodes.Template:
    """Make every `~`, loop and write of a parsed template go through the budget."""
    for cat in list(tree.find_all(nodes.Concat)):
        cat.nodes = [_guard(nodes.List(cat.nodes, lineno=cat.lineno), "_tidings_concat")]
    for loop in list(tree.find_all(nodes.For)):
        loop.iter = _guard(loop.iter, "_tidings_turns")  # type: ignore[arg-type]
    for out in list(tree.find_all(nodes.Output)):
        out.nodes = [_guard(_expression(child), "_tidings_written") for child in out.nodes]
    return tree


def _expression(node: nodes.Node) -> nodes.Expr:
    if isinstance(node, nodes.TemplateData):
        return nodes.Const(node.data, lineno=node.lineno)
    assert isinstance(node, nodes.Expr)
    return node


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, every step through a bound."""

    intercepted_binops = frozenset(("+", "-", "*", "/", "//", "**", "%"))

    def __init__(self, **options: Any) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=False, **options)
        for name in UNSAFE_FILTERS:
            self.filters.pop(name, None)
        for name in UNSAFE_GLOBALS:
            self.globals.pop(name, None)
        self.filters["join"] = lambda value, d="", attribute=None: joined(
            value if attribute is None else map(make_attrgetter(self, attribute), value), d
        )
        for name, func in list(self.filters.items()):
            self.add_filter(name, func)
        self.filters.update(INTERNAL)
        self.globals["range"] = bounded_range

    def add_filter(self, name: str, func: Callable[..., Any]) -> None:
        self.filters[name] = guarded_filter(name, func)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        if len(source) > MAX_SOURCE:
            raise OverBudget(f"the template is longer than {MAX_SOURCE} characters")
        tree = instrument(super()._parse(source, name, filename))
        tree.set_environment(self)
        return tree

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and callable(value) and attr not in STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        step()
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        step()
        check = BINOP_CHECKS.get(operator)
        if check is not None:
            check(left, right)
        return bounded(self.binop_table[operator](left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt = value.__self__
        formats = value.__name__ == "format"

        def checked(*args: Any, **kwargs: Any) -> str:
            values = [*args, *kwargs.values()] if formats else list(args[0].values())
            check_format(fmt, values)
            return wrapper(*args, **kwargs)

        return checked

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        step()
        for value in (*args, *kwargs.values()):
            bounded(value)
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (_turns(__context, args[0]), *args[1:])
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and __obj.__name__ == "join":
            return joined(args[0], owner)
        if isinstance(owner, str) and __obj.__name__ in STR_CHECKS:
            STR_CHECKS[__obj.__name__](owner, *args, **kwargs)
        return bounded(super().call(__context, __obj, *args, **kwargs))
