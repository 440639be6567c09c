"""Provider templates: a step's text in the provider's syntax, and values within its limit."""

from __future__ import annotations

import pytest

from tidings.domain.conditions import resolve
from tidings.domain.provider_templates import (
    SYNTAX,
    ProviderTemplate,
    TemplateCall,
    fill,
    fit,
    placeholders,
    variables_of,
)

TEXT = "您的订单{{ order.order_id }}待付款，点此支付：{{ links.pay }}"


def test_the_variables_are_the_text_s_fields_named_by_their_last_part():
    assert variables_of(TEXT) == (("order_id", "order.order_id"), ("pay", "links.pay"))


def test_two_fields_with_one_last_part_get_two_names():
    text = "{{ order.order_id }} {{ ticket.order_id }} {{ order.order_id }}"
    assert variables_of(text) == (("order_id", "order.order_id"), ("order_id_2", "ticket.order_id"))


def test_alibaba_writes_variables_by_name():
    text = placeholders(TEXT, variables_of(TEXT), SYNTAX["aliyun_sms"])
    assert text == "您的订单${order_id}待付款，点此支付：${pay}"


def test_tencent_writes_variables_by_position():
    text = placeholders(TEXT, variables_of(TEXT), SYNTAX["tencent_sms"])
    assert text == "您的订单{1}待付款，点此支付：{2}"


def test_a_text_with_conditions_cannot_go_for_approval_as_it_is():
    with pytest.raises(ValueError, match="conditions"):
        placeholders("{% if a %}x{% endif %}", (), SYNTAX["aliyun_sms"])


def test_a_field_no_variable_declares_is_named():
    with pytest.raises(ValueError, match=r"order\.total"):
        placeholders("{{ order.total }}", (("id", "order.order_id"),), SYNTAX["aliyun_sms"])


def test_a_long_text_value_is_cut_with_an_ellipsis():
    assert fit("上海市浦东新区世纪大道100号环球金融中心", 8) == "上海市浦东新区…"


def test_a_long_link_loses_its_scheme_when_that_makes_it_fit():
    assert fit("https://s.acme.cn/l/AbCdEfGh", 20) == "s.acme.cn/l/AbCdEfGh"


def test_a_link_is_never_cut():
    link = "https://shop.acme.example/pay/2026111100123?token=abcdef"
    assert fit(link, 20) == link


def test_fill_reads_the_declared_fields_in_order():
    template = ProviderTemplate(
        "acme", "aliyun", "payment_reminder", "first", "zh-CN", "SMS_1", variables_of(TEXT)
    )
    ctx = {"order": {"order_id": "o1"}, "links": {"pay": "https://s.acme.cn/l/Ab"}}
    assert fill(template, ctx, 35, resolve) == TemplateCall(
        "SMS_1", (("order_id", "o1"), ("pay", "https://s.acme.cn/l/Ab"))
    )


def test_a_call_survives_its_json():
    call = TemplateCall("SMS_1", (("name", "王女士"),))
    assert TemplateCall.from_json(call.to_json()) == call


@pytest.mark.parametrize(
    ("code", "variables", "problem"),
    [("", (), "no template code"), ("S", (("Bad", "a.b"),), "lower_snake_case"),
     ("S", (("a", "a..b"),), "not a field path"), ("S", (("a", "x"), ("a", "y")), "twice")],
)  # fmt: skip
def test_a_template_that_cannot_be_filled_is_refused(code, variables, problem):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=problem):
        ProviderTemplate("acme", "aliyun", "j", "s", "zh-CN", code, variables)
