"""A seller's template cannot take the instance down: every render ends soon with a small text
or `InvalidTemplate`, and a template that passes a bound on its own is refused as it comes in."""

from __future__ import annotations

import time

import pytest

from tidings.adapters.template_bounds import MAX_STEPS, MAX_WRITTEN
from tidings.adapters.templates import JinjaRenderer, texts_errors
from tidings.domain.errors import InvalidTemplate

NESTED_LOOPS = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"
FAN_OUT = (
    "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}"
)


class Ticks:
    """A clock that moves `tick` seconds each time it is read."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick, self.reads = 0.0, tick, 0

    def __call__(self) -> float:
        self.now += self.tick
        self.reads += 1
        return self.now


def _refused(template: str, **context: object) -> str:
    """Why `template` is refused, on a clock that stands still: only the other bounds count."""
    with pytest.raises(InvalidTemplate) as caught:
        JinjaRenderer(clock=lambda: 0.0).render(template, context)
    return str(caught.value)


def test_a_repeated_text_of_100_mb_is_refused_before_it_is_made():
    assert "100000000 characters" in _refused("{{ 'x' * 10**8 }}")


@pytest.mark.parametrize(
    "template",
    [
        "{{ ('x' * 1000) | replace('x', 'x' * 1000) }}",
        "{{ ('x' * 1000).replace('x', 'x' * 1000) }}",
        "{{ 'x'.ljust(10**8) }}",
        "{{ 'a' | center(10**8) }}",
        "{{ '{:>100000000}'.format(1) }}",
        "{{ '%0100000000d' % 1 }}",
        "{{ '%0100000000d' | format(1) }}",
        "{{ (['x' * 20000] * 20000) | length }}",
        "{{ (['x' * 20000] * 10) | join(',') }}",
        "{{ ('x' * 20000) ~ ('x' * 20000) }}",
        "{{ ('x' * 15000) + ('x' * 15000) }}",
        "{{ 'a\nb' | indent(10**6) }}",
        "{{ range(10000) | list | tojson(20000) }}",
    ],
)
def test_operators_filters_and_methods_that_would_make_a_huge_text_are_refused(template):
    assert "characters" in _refused(template)


def test_only_numbers_add_up_in_a_sum():
    assert "a sum starts from a number" in _refused("{{ range(9) | batch(1) | sum(start=[]) }}")
    assert JinjaRenderer().render("{{ [1, 2.5] | sum }}", {}) == "3.5"


def test_a_huge_power_is_refused_and_so_is_a_product_of_huge_numbers():
    assert "bits" in _refused("{{ 10**5000 }}")
    assert "bits" in _refused("{{ (10**70) * (10**70) }}")


def test_nested_loops_stop_at_the_step_budget():
    assert f"more than {MAX_STEPS} steps" in _refused(NESTED_LOOPS)


def test_what_a_render_writes_is_bounded_even_into_a_buffer():
    block = "{% set s %}{% for i in range(90) %}{{ 'x' * 2000 }}{% endfor %}{% endset %}{{ 1 }}"
    assert f"more than {MAX_WRITTEN} characters" in _refused(block)


def test_the_time_budget_is_read_every_few_steps():
    clock = Ticks(0.001)
    with pytest.raises(InvalidTemplate, match="time budget"):
        JinjaRenderer(seconds=0.25, clock=clock).render(FAN_OUT, {})
    assert clock.reads == 1 + 250  # the start, then every 16 steps until past the budget


def test_the_time_budget_is_the_rendering_threads_cpu_time():
    assert JinjaRenderer().clock is time.thread_time


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "RecursionError"),
        ("{{ 2.0 ** 5000 }}", "OverflowError"),
        ("{{ 'abc'.translate({}) }}", "SecurityError"),
        ("{{ order.nope }}", "UndefinedError"),
    ],
)
def test_any_error_of_a_render_is_an_invalid_template(template, error):
    assert _refused(template, order={}).startswith(error)


def test_an_error_does_not_tell_the_values_involved():
    phone = "+8613800138000"
    message = _refused("{{ customer.phone | int }}{{ 1 / 0 }}", customer={"phone": phone})
    assert "138" not in message


def test_ordinary_templates_render_as_before():
    renderer = JinjaRenderer()
    context = {"customer": {"name": "王芳"}, "items": [{"name": "Tea"}, {"name": "Cup"}], "n": 3}
    template = (
        "{{ customer.name }}: {{ items | map(attribute='name') | join(', ') }}"
        "{% for i in range(n) %} {{ loop.index }}{% endfor %} {{ '%.2f' | format(129) }}"
        " {{ '{}-{}'.format('a', n * 2) }} {{ 'x' * 3 }} {{ 2 ** 10 }} {{ 'A' ~ n }}"
        " {{ 'a,b'.split(',') | join('+') }} {{ items | join(attribute='name') }}"
    )
    assert renderer.render(template, context) == (
        "王芳: Tea, Cup 1 2 3 129.00 a-6 xxx 1024 A3 a+b TeaCup"
    )


def test_a_recursive_loop_counts_the_turns_of_each_level():
    levels = ", ".join(["range(10000)"] * 11)  # 110,000 turns one level down, nothing written
    template = f"{{% for x in [{levels}] recursive %}}{{% if x is iterable %}}{{{{ loop(x) }}}}"
    assert "steps" in _refused(template + "{% endif %}{% endfor %}")


def test_templates_passing_a_bound_on_their_own_are_refused_as_they_come_in():
    texts = {
        "en": "{{ 'x' * 10**8 }}",
        "ru": ["Привет {{ customer.name }}", NESTED_LOOPS],
        "zh-CN": "{{ 10**5000 }}",
    }
    found = list(texts_errors(texts))
    assert [locale for locale, _ in found] == ["en", "ru", "zh-CN"]
    assert all(problem.startswith("OverBudget") for _, problem in found)


def test_templates_whose_names_come_only_with_data_pass_as_they_come_in():
    texts = {"en": "{{ customer.name | upper }} {{ 10 ** order.count }}", "ru": "{{ x.y.z }}"}
    assert list(texts_errors(texts)) == []


def test_a_template_longer_than_its_bound_is_refused_as_it_comes_in():
    ((_, problem),) = texts_errors({"en": "x" * 10_001})
    assert "longer than 10000 characters" in problem
