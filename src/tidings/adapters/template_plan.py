"""Simple templates compiled once to plain Python: the render of a reminder without Jinja's run.

Nearly every text is words, `{{ entity.field }}`, a filter such as `when(tz, locale)`, an
`a or 'default'` and `{% if %}` blocks over such values. `plan(env, source)` turns a template
made only of those into one Python function of the context; any other template has no plan
(None) and goes through the bounded sandbox as before.

Its one rule: a plan gives the sandbox's text or gives up. It reads attributes as the sandbox
does (an attribute, else an item), writes values as `str` after the same `bounded` check, and
at anything it does not know for sure (a name missing from the context, an attribute that is
callable or private, a filter that raises, a text longer than the sandbox writes) it raises
`GiveUp`, and the caller renders the template in the sandbox, whose answer (a text or the
template's error) is the one that counts. A plan has no loops, calls or arithmetic, so it
stays far inside the sandbox's steps and time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, nodes
from jinja2.parser import Parser

from tidings.adapters.template_bounds import MAX_SOURCE, MAX_WRITTEN, bounded

Context = Mapping[str, Any]
Value = Callable[[Context], Any]
Part = Callable[[Context, list[str]], None]
Plan = Callable[[Context], str]

COMPARE: dict[str, Callable[[Any, Any], Any]] = {  # Jinja's operand names
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gteq": operator.ge,
    "lt": operator.lt,
    "lteq": operator.le,
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}
SPECIAL_NAMES = frozenset(("self", "loop", "caller", "varargs", "kwargs", "super"))


class GiveUp(Exception):
    """The plan cannot say for sure: render the template in the sandbox."""


class _Unplanned(Exception):
    """The template uses something a plan does not do."""


def plan(env: Environment, source: str) -> Plan | None:
    """The template `source` as one Python function of the context, or None."""
    if len(source) > MAX_SOURCE:
        return None
    try:
        tree = Parser(env, source).parse()
        body = _body(env, tree.body)
    except Exception:  # a syntax error or a node a plan does not do: the sandbox says
        return None

    def render(ctx: Context) -> str:
        out: list[str] = []
        for part in body:
            part(ctx, out)
        text = "".join(out)
        if len(text) > MAX_WRITTEN:
            raise GiveUp
        return text

    return render


def _body(env: Environment, statements: list[nodes.Node]) -> list[Part]:
    return [_statement(env, node) for node in statements]


def _statement(env: Environment, node: nodes.Node) -> Part:
    if isinstance(node, nodes.Output):
        return _output([_written(env, child) for child in node.nodes])
    if isinstance(node, nodes.If):
        return _if(env, node)
    raise _Unplanned(type(node).__name__)


def _output(pieces: list[Value]) -> Part:
    def write(ctx: Context, out: list[str]) -> None:
        out.extend(piece(ctx) for piece in pieces)

    return write


def _written(env: Environment, node: nodes.Node) -> Value:
    """A piece of output as the sandbox writes it: `str`, after `bounded` for a non-text."""
    if isinstance(node, nodes.TemplateData):
        data = node.data
        return lambda _ctx: data
    value = _expr(env, node)

    def text(ctx: Context) -> str:
        found = value(ctx)
        return found if type(found) is str else str(bounded(found))

    return text


def _if(env: Environment, node: nodes.If) -> Part:
    branches = [(_expr(env, node.test), _body(env, node.body))]
    branches += [(_expr(env, elif_.test), _body(env, elif_.body)) for elif_ in node.elif_]
    otherwise = _body(env, node.else_)

    def choose(ctx: Context, out: list[str]) -> None:
        chosen = next((body for test, body in branches if test(ctx)), otherwise)
        for part in chosen:
            part(ctx, out)

    return choose


def _expr(env: Environment, node: nodes.Node) -> Value:
    if isinstance(node, nodes.Const):
        const = node.value
        return lambda _ctx: const
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in SPECIAL_NAMES:
        return _name(node.name)
    if isinstance(node, nodes.Getattr) and not node.attr.startswith("_"):
        return _getattr(_expr(env, node.node), node.attr)
    if isinstance(node, nodes.And | nodes.Or):
        return _logic(_expr(env, node.left), _expr(env, node.right), isinstance(node, nodes.Or))
    if isinstance(node, nodes.Not):
        inner = _expr(env, node.node)
        return lambda ctx: not inner(ctx)
    if isinstance(node, nodes.Compare):
        return _compare(_expr(env, node.expr), [(o.op, _expr(env, o.expr)) for o in node.ops])
    if isinstance(node, nodes.Filter):
        return _filter(env, node)
    raise _Unplanned(type(node).__name__)


def _name(name: str) -> Value:
    def lookup(ctx: Context) -> Any:
        try:
            return ctx[name]
        except KeyError:  # undefined (or one of Jinja's globals): the sandbox says
            raise GiveUp from None

    return lookup


def _getattr(owner: Value, attr: str) -> Value:
    """`owner.attr` as the sandbox reads it: the attribute, else the item of that name."""

    def read(ctx: Context) -> Any:
        obj = owner(ctx)
        try:
            value = getattr(obj, attr)
        except AttributeError:
            try:
                return obj[attr]
            except (TypeError, LookupError):
                raise GiveUp from None  # undefined
        if callable(value):  # a method: the sandbox decides whether it may be seen
            raise GiveUp
        return value

    return read


def _logic(left: Value, right: Value, either: bool) -> Value:
    if either:
        return lambda ctx: left(ctx) or right(ctx)
    return lambda ctx: left(ctx) and right(ctx)


def _compare(first: Value, ops: list[tuple[str, Value]]) -> Value:
    chain = [(COMPARE[op], value) for op, value in ops]

    def compare(ctx: Context) -> Any:  # Python's chain: the first false result, or the last
        left, result = first(ctx), True
        for test, value in chain:
            right = value(ctx)
            result = test(left, right)
            if not result:
                return result
            left = right
        return result

    return compare


def _filter(env: Environment, node: nodes.Filter) -> Value:
    func = env.filters[node.name]
    if node.kwargs or node.dyn_args or node.dyn_kwargs or node.node is None:
        raise _Unplanned("filter arguments")
    if getattr(func, "jinja_pass_arg", None) is not None:
        raise _Unplanned("a filter that takes the context")
    value = _expr(env, node.node)
    args = [_expr(env, arg) for arg in node.args]
    return lambda ctx: func(value(ctx), *[arg(ctx) for arg in args])
