"""Random templates of operators, loops and filters never escape the render's budgets: each one
renders a text within the size bound, or is an invalid template, in about its time budget and
a few megabytes."""

from __future__ import annotations

import contextlib
import time
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidings.adapters.template_bounds import MAX_SIZE
from tidings.adapters.templates import JinjaRenderer
from tidings.domain.errors import InvalidTemplate

SECONDS = 0.05  # the budget of each render here, in the thread's CPU time
SLACK = 0.2  # what a render may spend past its budget before it reads the clock (16 steps)
MEGABYTES = 16

NUMBERS = st.sampled_from(["0", "2", "7", "999", "10**6", "10**8", "-3", "2.5", "n"])
TEXTS = st.sampled_from(["'x'", "'ab,'", "''", "name", "'%s%s'", "'{}{}'", "'a\\nb'"])
OPERATORS = st.sampled_from(["*", "**", "+", "~", "%", "//", "-"])
FILTERS = st.sampled_from(
    [
        "upper",
        "list",
        "length",
        "string",
        "join(',')",
        "join({a})",
        "replace('x', {a})",
        "replace('', {a})",
        "center({n})",
        "indent({n})",
        "wordwrap(1, true, {a})",
        "format({a}, {a})",
        "batch({n})",
        "sum",
        "sort",
        "unique",
        "first",
        "tojson",
        "map('upper') | list",
    ]
)


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(NUMBERS, TEXTS, st.just("range(10**4)"), st.just("[name] * 3"))

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, OPERATORS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        filtered = st.tuples(inner, FILTERS, inner, NUMBERS).map(
            lambda t: f"({t[0]} | {t[1].format(a=t[2], n=t[3])})"
        )
        methods = st.tuples(TEXTS, st.sampled_from(["replace", "ljust", "join", "format"]))
        called = st.tuples(methods, inner, inner).map(
            lambda t: f"{t[0][0]}.{t[0][1]}({t[1]}, {t[2]})" if t[0][1] == "replace" else
            f"{t[0][0]}.{t[0][1]}({t[1]})"
        )  # fmt: skip
        return st.one_of(binary, filtered, called)

    return st.recursive(leaves, grow, max_leaves=6)


def _templates() -> st.SearchStrategy[str]:
    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        loop = st.tuples(NUMBERS, inner).map(
            lambda t: f"{{% for i in range({t[0]}) %}}{t[1]}{{% endfor %}}"
        )
        kept = st.tuples(inner, inner).map(lambda t: f"{{% set s %}}{t[0]}{{% endset %}}{t[1]}")
        both = st.tuples(inner, inner).map("".join)
        return st.one_of(loop, kept, both)

    said = _expressions().map(lambda e: f"{{{{ {e} }}}}")
    return st.recursive(st.one_of(said, st.just("hi ")), grow, max_leaves=8)


RENDERER = JinjaRenderer(seconds=SECONDS)
RENDERER.render("{{ 1 }}", {})  # the lexer's expressions are compiled once, on first use


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=_templates())
def test_no_random_template_escapes_the_time_or_size_budget(template):
    with contextlib.suppress(Exception):  # compiled first: what is timed is the render alone
        RENDERER._compile(template)
    tracemalloc.start()
    started = time.thread_time()
    try:
        text = RENDERER.render(template, {"name": "王芳", "n": 12})
    except InvalidTemplate:
        text = ""
    elapsed = time.thread_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(text) <= MAX_SIZE
    assert elapsed < SECONDS + SLACK, template
    assert peak < MEGABYTES * 2**20, template
