"""A simple template renders by its plan, without Jinja's run, and gives the sandbox's text;
whatever a plan is not sure of, the sandbox says (its text or its error)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tidings.adapters.template_bounds import MAX_SIZE
from tidings.adapters.template_plan import plan
from tidings.adapters.templates import JinjaRenderer
from tidings.domain.errors import InvalidTemplate


@dataclass
class Parcel:
    carrier: str = "SF"
    tracking_number: str = "SF100"
    pickup_code: str | None = None
    package_count: int | None = 2
    storage_until: datetime | None = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
    rating: Decimal = Decimal("4.50")


SIMPLE = [
    "{{ shipment.carrier }} {{ shipment.tracking_number }}\n",
    "{% if shipment.pickup_code %}code {{ shipment.pickup_code }}{% else %}no code{% endif %}",
    "{% if shipment.package_count and shipment.package_count > 1 %}{{ shipment.package_count }} "
    "parcels{% elif shipment.package_count == 1 %}one{% endif %}",
    "{{ shipment.pickup_code or 'its pickup point' }} by "
    "{{ shipment.storage_until | when(tz, locale) }}",
    "{{ links.pay }} {{ coupon }} {{ shipment.rating }} {{ shipment.carrier not in 'EMS' }}",
    "  {%- if not coupon %} none {% endif -%}  ",
]
CONTEXTS: list[dict[str, Any]] = [
    {"shipment": Parcel(), "links": {"pay": "https://s/l/1"}, "coupon": None, "tz": "UTC",
     "locale": "en"},
    {"shipment": Parcel(pickup_code="8-1", package_count=1, storage_until=None),
     "links": {"pay": ""}, "coupon": "C1", "tz": "Asia/Shanghai", "locale": "zh-CN"},
]  # fmt: skip


def _sandbox(renderer: JinjaRenderer, template: str, ctx: dict[str, Any]) -> str:
    """The sandbox's own answer, past the plan (and the renderer's limit of a text)."""
    try:
        text = str(renderer._compile(template).render(ctx).strip())
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return text if len(text) <= MAX_SIZE else "error: too long"


def _rendered(renderer: JinjaRenderer, template: str, ctx: dict[str, Any]) -> str:
    try:
        return renderer.render(template, ctx)
    except InvalidTemplate as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("template", SIMPLE)
def test_a_simple_template_renders_without_jinja_and_as_the_sandbox_does(
    template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = JinjaRenderer()
    expected = [_sandbox(renderer, template, ctx) for ctx in CONTEXTS]
    monkeypatch.setattr(renderer, "_compile", lambda _source: pytest.fail("Jinja ran"))
    assert [renderer.render(template, ctx) for ctx in CONTEXTS] == expected


def test_the_texts_a_plan_gives_are_known() -> None:
    renderer = JinjaRenderer()
    assert renderer.render(SIMPLE[1], CONTEXTS[1]) == "code 8-1"
    assert renderer.render(SIMPLE[2], CONTEXTS[0]) == "2 parcels"
    assert renderer.render(SIMPLE[2], CONTEXTS[1]) == "one"
    assert renderer.render(SIMPLE[3], CONTEXTS[0]) == "its pickup point by Nov 12, 10:00"
    assert renderer.render(SIMPLE[4], CONTEXTS[0]) == "https://s/l/1 None 4.50 True"
    assert renderer.render(SIMPLE[5], CONTEXTS[0]) == "none"


@pytest.mark.parametrize(
    "template",
    [
        "{% for p in parcels %}{{ p }}{% endfor %}",
        "{{ store.name.upper() }}",
        "{{ order.total * 2 }}",
        "{{ shipment._secret }}",
        "{% set x = 1 %}{{ x }}",
        "{{ unclosed",
    ],
)
def test_loops_calls_arithmetic_and_broken_templates_have_no_plan(template: str) -> None:
    renderer = JinjaRenderer()
    assert plan(renderer.env, template) is None


@pytest.mark.parametrize(
    ("template", "ctx"),
    [
        ("{{ missing.name }}", {}),  # undefined: the sandbox's error
        ("{{ links.items }}", {"links": {"pay": "x"}}),  # a dict's method, not its item
        ("{{ shipment.carrier.upper }}", {"shipment": Parcel()}),  # a str method, unseen
        ("{{ shipment.rating > 'a' }}", {"shipment": Parcel()}),  # an error of the data
        ("{{ range }}", {}),  # one of Jinja's globals
        ("{{ big }}", {"big": 2**300}),  # past the sandbox's bounds
        ("{{ text }}", {"text": "x" * 30_000}),  # longer than a text may be
    ],
)
def test_what_a_plan_is_not_sure_of_the_sandbox_says(template: str, ctx: dict[str, Any]) -> None:
    renderer = JinjaRenderer()
    assert plan(renderer.env, template) is not None
    sandbox = _sandbox(renderer, template, ctx)
    rendered = _rendered(renderer, template, ctx)
    assert rendered == sandbox or (sandbox.startswith("error") and rendered.startswith("error"))
