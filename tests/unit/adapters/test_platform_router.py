"""The two routers' forms and refusals, read once for the connectors and the relays; the
signatures checked by the local routers' own signing (tests/taobao_server.py, jd_server.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jd_server import jos_sign
from taobao_server import expected_sign
from tidings.adapters.http_exchange import answer_object
from tidings.adapters.platform_router import (
    RouterError,
    jos_form,
    jos_key,
    jos_refusal,
    top_form,
    top_key,
    top_refusal,
)

AT = datetime(2026, 11, 10, 16, 30, 5, tzinfo=UTC)  # 00:30:05 the next day in Beijing


def test_a_top_form_leaves_blank_parameters_out_and_is_signed_as_top_signs():
    form = top_form("taobao.tmc.messages.consume", {"group_name": "", "quantity": "100"},
                    app_key="1", secret="s", at=AT, sign_method="hmac")  # fmt: skip
    assert "group_name" not in form and "session" not in form
    assert (form["timestamp"], form["format"], form["v"]) == ("2026-11-11 00:30:05", "json", "2.0")
    assert form["sign"] == expected_sign(form, "s")
    assert top_form("m", {}, app_key="1", secret="s", at=AT, session="x")["session"] == "x"


def test_a_jos_form_carries_the_methods_json_and_is_signed_as_jos_signs():
    form = jos_form("jingdong.x", {"orderId": "1", "名": "茶"}, app_key="k", access_token="t",
                    secret="s", at=AT)  # fmt: skip
    assert form["360buy_param_json"] == '{"orderId":"1","名":"茶"}'
    assert (form["timestamp"], form["v"], form["access_token"]) == (
        "2026-11-11 00:30:05",
        "2.0",
        "t",
    )
    assert form["sign"] == jos_sign("s", form)


def test_each_router_names_its_answer_its_own_way():
    assert top_key("taobao.jst.sms.oaid.message.send") == "jst_sms_oaid_message_send_response"
    assert jos_key("jingdong.pop.order.enSearch") == "jingdong_pop_order_enSearch_responce"


def test_an_answer_that_is_no_json_object_is_none():
    assert answer_object(b'{"a": 1}') == {"a": 1}
    assert answer_object(b"<html>502</html>") is None and answer_object(b"[1]") is None


def test_refusals_are_read_in_the_routers_words():
    top = {"error_response": {"code": 15, "msg": "Remote service error",
                              "sub_code": "isv.x", "sub_msg": "不对"}}  # fmt: skip
    assert top_refusal(top) == RouterError("15", "Remote service error", "isv.x", "不对")
    jos = json.loads('{"error_response": {"code": "12", "zh_desc": "无效签名", "en_desc": "Bad"}}')
    assert jos_refusal(jos) == RouterError("12", "Bad")
    assert jos_refusal(jos, language="zh") == RouterError("12", "无效签名")
    assert top_refusal({"x_response": {}}) is None and jos_refusal({}) is None
