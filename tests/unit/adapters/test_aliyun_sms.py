"""Alibaba Cloud SMS: the V3 signature on the provider's worked example, SendSms's request and
answers, and its pushes (SmsReport, SmsUp)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from tidings.adapters.providers.aliyun_sms import (
    build_request,
    canonical_request,
    parse_response,
    receipts_from,
    replies_from,
    signature,
)
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply
from tidings.domain.errors import InvalidEvent, Permanent, Transient
from tidings.domain.provider_templates import TemplateCall

AT = datetime(2026, 11, 11, 9, 30, tzinfo=UTC)
EMPTY = hashlib.sha256(b"").hexdigest()

# The worked example of Alibaba Cloud's "V3 request structure and signature": RunInstances on
# ecs.cn-shanghai, an empty body, the AccessKey secret "YourAccessKeySecret".
DOC_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": EMPTY,
}
DOC_QUERY = {
    "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
    "RegionId": "cn-shanghai",
}
DOC_SIGNATURE = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"


def test_the_signature_matches_the_provider_s_worked_example():
    canonical, signed = canonical_request("POST", "/", DOC_QUERY, DOC_HEADERS, b"")
    assert signed == (
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
    )
    assert signature("YourAccessKeySecret", canonical) == DOC_SIGNATURE


def _out(to: str = "+8613800138000", template: TemplateCall | None = None) -> Outgoing:
    call = template or TemplateCall("SMS_153055065", (("order_id", "o1"), ("pay", "s.cn/l/Ab")))
    return Outgoing("acme", "msg_1", "sms", to, "【Acme】您的订单o1待付款", template=call)


def _request(out: Outgoing):  # type: ignore[no-untyped-def]
    return build_request(
        out, endpoint="https://dysmsapi.aliyuncs.com", key_id="LTAI", secret="s3cret",
        sign_name="Acme", at=AT, nonce="n1",
    )  # fmt: skip


def test_send_sms_carries_the_template_its_values_and_the_message_id():
    request = _request(_out())
    form = dict(parse_qsl(request.body.decode()))
    assert form == {
        "PhoneNumbers": "13800138000",
        "SignName": "Acme",
        "TemplateCode": "SMS_153055065",
        "TemplateParam": '{"order_id": "o1", "pay": "s.cn/l/Ab"}',
        "OutId": "msg_1",
    }
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-date"] == "2026-11-11T09:30:00Z"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI,")


def test_the_body_is_utf8_percent_encoded_as_rfc_3986():
    call = TemplateCall("SMS_1", (("name", "王 女士~"),))
    body = _request(_out(template=call)).body.decode()
    assert "TemplateParam=%7B%22name%22%3A%20%22%E7%8E%8B%20%E5%A5%B3%E5%A3%AB~%22%7D" in body


def test_a_message_without_an_approved_template_is_refused_not_sent_as_text():
    out = Outgoing("acme", "msg_1", "sms", "+8613800138000", "free text")
    with pytest.raises(Permanent, match="no approved template"):
        _request(out)


def test_a_number_outside_mainland_china_is_refused():
    with pytest.raises(Permanent, match="not a mainland China mobile"):
        _request(_out(to="+79161234567"))


def _answer(code: str, message: str = "", **more: str) -> bytes:
    return json.dumps({"Code": code, "Message": message, "RequestId": "R1", **more}).encode()


def test_ok_gives_the_biz_id():
    assert parse_response(200, _answer("OK", "OK", BizId="9006197469364984^0")) == Accepted(
        ("9006197469364984^0",)
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("Throttling.User", Transient),
        ("isv.BUSINESS_LIMIT_CONTROL", Transient),
        ("isv.DAY_LIMIT_CONTROL", Transient),
        ("isv.AMOUNT_NOT_ENOUGH", Transient),
        ("isv.MOBILE_NUMBER_ILLEGAL", Permanent),
        ("isv.SMS_TEMPLATE_ILLEGAL", Permanent),
        ("isv.SMS_SIGNATURE_ILLEGAL", Permanent),
        ("isv.PARAM_LENGTH_LIMIT", Permanent),
        ("SignatureDoesNotMatch", Permanent),
    ],
)
def test_each_refusal_is_sorted_transient_or_permanent(code, kind):  # type: ignore[no-untyped-def]
    error = parse_response(200 if code.startswith("isv") else 400, _answer(code, "why"))
    assert type(error) is kind
    assert str(error) == f"{code}: why"


def test_a_server_error_without_json_is_transient():
    assert isinstance(parse_response(503, b"<html>busy</html>"), Transient)


def test_a_report_becomes_receipts_of_the_biz_ids():
    pushed = [
        {"phone_number": "13800138000", "success": True, "biz_id": "B1", "out_id": "msg_1",
         "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1"},
        {"phone_number": "13800138001", "success": False, "biz_id": "B2", "out_id": "msg_2",
         "err_code": "MN:0001", "err_msg": "空号"},
        {"phone_number": "13800138002", "success": False, "biz_id": "B3", "err_code": "MK:0009",
         "err_msg": "超时"},
    ]  # fmt: skip
    assert receipts_from("aliyun", pushed, AT) == [
        Receipt("aliyun", "B1", "delivered", AT),
        Receipt("aliyun", "B2", "undeliverable", AT, "MN:0001: 空号"),
        Receipt("aliyun", "B3", "failed", AT, "MK:0009: 超时"),
    ]


def test_a_reply_becomes_the_shopper_s_message():
    pushed = [
        {"phone_number": "13800138000", "content": "退订", "sign_name": "Acme",
         "dest_code": "1234", "sequence_id": 7766, "send_time": "2026-11-11 09:30:00"},
    ]  # fmt: skip
    assert replies_from("aliyun", pushed, AT) == [
        Reply("aliyun", "+8613800138000", "1234", "退订", AT, "up-7766")
    ]


@pytest.mark.parametrize("pushed", [{"x": 1}, "text", [{"success": True}], [1]])
def test_a_push_that_is_not_the_provider_s_shape_is_refused(pushed):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidEvent):
        receipts_from("aliyun", pushed, AT)
