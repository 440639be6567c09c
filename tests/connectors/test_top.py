"""The TOP router's three steps on known answers: the form (signed as the local router, which
computes TOP's signature on its own, expects), and TOP's answers and refusals read by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from taobao_server import expected_sign
from tidings.adapters.connectors import top
from tidings.domain.connectors import Credentials
from tidings.domain.errors import PlatformError

CREDENTIALS = Credentials("app-secret-1", {"app_key": "12345678", "session": "s-1"})
AT = datetime(2026, 11, 10, 16, 30, 5, tzinfo=UTC)


def test_the_form_has_the_common_parameters_in_beijing_time_and_toms_signature():
    form = top.request(CREDENTIALS, "taobao.tmc.messages.consume",
                       {"group_name": "", "quantity": "100"}, AT)  # fmt: skip
    assert {k: v for k, v in form.items() if k != "sign"} == {
        "method": "taobao.tmc.messages.consume", "app_key": "12345678",
        "timestamp": "2026-11-11 00:30:05", "format": "json", "v": "2.0", "sign_method": "md5",
        "quantity": "100"}  # fmt: skip
    assert form["sign"] == expected_sign(form, "app-secret-1")
    hmac_signed = Credentials("app-secret-1", {**CREDENTIALS.settings, "sign_method": "hmac"})
    form = top.request(hmac_signed, "taobao.trade.fullinfo.get", {"tid": "1"}, AT, session=True)
    assert form["session"] == "s-1" and form["sign"] == expected_sign(form, "app-secret-1")


def test_a_missing_setting_or_sign_method_is_named():
    with pytest.raises(PlatformError, match="setting session is missing"):
        top.request(Credentials("x", {"app_key": "1"}), "m", {}, AT, session=True)
    with pytest.raises(PlatformError, match="sign_method: must be md5 or hmac, not 'sha1'"):
        top.request(Credentials("x", {"app_key": "1", "sign_method": "sha1"}), "m", {}, AT)


def test_the_answer_is_the_methods_response_object():
    body = json.dumps({"trade_fullinfo_get_response": {"trade": {"tid": 1}}}).encode()
    assert top.answer("taobao.trade.fullinfo.get", 200, body) == {"trade": {"tid": 1}}
    with pytest.raises(PlatformError, match="without trade_fullinfo_get_response"):
        top.answer("taobao.trade.fullinfo.get", 200, b"{}")
    with pytest.raises(PlatformError, match="not a JSON object"):
        top.answer("taobao.trade.fullinfo.get", 200, b"<html>")
    with pytest.raises(PlatformError, match="HTTP 502") as caught:
        top.answer("taobao.trade.fullinfo.get", 502, b"")
    assert caught.value.retry_after == 60


@pytest.mark.parametrize(
    ("sub_msg", "wait"),
    [("This ban will last for 17 more seconds", 17.0), ("", 60.0)],
)
def test_a_rate_limit_waits_as_long_as_the_router_said(sub_msg, wait):
    error = {"code": 7, "msg": "App Call Limited", "sub_code": "accesscontrol.limited-by-app",
             "sub_msg": sub_msg}  # fmt: skip
    body = json.dumps({"error_response": error}).encode()
    with pytest.raises(top.Refusal, match="consume: code 7 App Call Limited") as caught:
        top.answer("taobao.tmc.messages.consume", 200, body)
    assert caught.value.retry_after == wait and caught.value.of_the_call


def test_a_refusal_about_one_trade_is_not_one_of_the_call():
    error = {"code": 15, "msg": "Remote service error", "sub_code": "isv.trade-not-exist",
             "sub_msg": "交易不存在"}  # fmt: skip
    with pytest.raises(top.Refusal) as caught:
        top.answer("taobao.trade.fullinfo.get", 200, json.dumps({"error_response": error}).encode())
    assert str(caught.value) == ("Taobao refused taobao.trade.fullinfo.get: code 15 Remote service "
                                 "error (isv.trade-not-exist: 交易不存在)")  # fmt: skip
    assert not caught.value.of_the_call and caught.value.retry_after == 0
