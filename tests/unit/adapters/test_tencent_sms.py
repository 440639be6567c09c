"""Tencent Cloud SMS: TC3-HMAC-SHA256 on the provider's worked example, SendSms's request and
answers, and its pushes (status reports, replies)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tidings.adapters.providers.tencent_sms import (
    build_request,
    parse_response,
    receipts_from,
    replies_from,
    signature,
)
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply
from tidings.domain.errors import InvalidEvent, Permanent, Transient
from tidings.domain.provider_templates import TemplateCall

AT = datetime(2026, 11, 11, 9, 30, tzinfo=UTC)

# The worked example of Tencent Cloud's "Signature v3": DescribeInstances of CVM in
# ap-guangzhou at 1551113065, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE.
DOC_BODY = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
DOC_SIGNATURE = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_the_signature_matches_the_provider_s_worked_example():
    scope, signed, sig = signature(
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", "cvm.tencentcloudapi.com", 1551113065, DOC_BODY
    )
    assert (scope, signed, sig) == (
        "2019-02-25/cvm/tc3_request",
        "content-type;host",
        DOC_SIGNATURE,
    )


def _out(to: str = "+8613800138000", template: TemplateCall | None = None) -> Outgoing:
    call = template or TemplateCall("449739", (("order_id", "o1"), ("pay", "s.cn/l/Ab")))
    return Outgoing("acme", "msg_1", "sms", to, "【Acme】您的订单o1待付款", template=call)


def _request(out: Outgoing):  # type: ignore[no-untyped-def]
    return build_request(
        out, endpoint="https://sms.tencentcloudapi.com", secret_id="AKID", secret_key="k",
        app_id="1400000001", sign_name="Acme", region="ap-guangzhou", at=AT,
    )  # fmt: skip


def test_send_sms_carries_the_template_its_values_in_order_and_the_message_id():
    request = _request(_out())
    assert json.loads(request.body) == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400000001",
        "SignName": "Acme",
        "TemplateId": "449739",
        "TemplateParamSet": ["o1", "s.cn/l/Ab"],
        "SessionContext": "msg_1",
    }
    assert request.headers["X-TC-Action"] == "SendSms"
    assert request.headers["X-TC-Timestamp"] == str(int(AT.timestamp()))
    assert request.headers["Authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKID/2026-11-11/sms/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, Signature="
    )


def test_the_body_is_utf8_json():
    call = TemplateCall("1", (("name", "王女士"),))
    assert "王女士".encode() in _request(_out(template=call)).body


def test_a_message_without_an_approved_template_is_refused_not_sent_as_text():
    with pytest.raises(Permanent, match="no approved template"):
        _request(Outgoing("acme", "msg_1", "sms", "+8613800138000", "free text"))


def _sent(code: str, message: str = "", **more: str) -> bytes:
    one = {"PhoneNumber": "+8613800138000", "Code": code, "Message": message, "Fee": 1, **more}
    return json.dumps({"Response": {"SendStatusSet": [one], "RequestId": "R"}}).encode()


def test_ok_gives_the_serial_number():
    assert parse_response(200, _sent("Ok", "send success", SerialNo="2019:-5947")) == Accepted(
        ("2019:-5947",)
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("LimitExceeded.PhoneNumberOneHourLimit", Transient),
        ("LimitExceeded.PhoneNumberDailyLimit", Transient),
        ("FailedOperation.InsufficientBalanceInSmsPackage", Transient),
        ("InvalidParameterValue.IncorrectPhoneNumber", Permanent),
        ("FailedOperation.TemplateIncorrectOrUnapproved", Permanent),
        ("FailedOperation.SignatureIncorrectOrUnapproved", Permanent),
        ("InvalidParameterValue.TemplateParameterLengthLimit", Permanent),
    ],
)
def test_each_number_s_refusal_is_sorted(code, kind):  # type: ignore[no-untyped-def]
    error = parse_response(200, _sent(code, "why"))
    assert (type(error), str(error)) == (kind, f"{code}: why")


@pytest.mark.parametrize(
    ("code", "kind"),
    [("RequestLimitExceeded", Transient), ("AuthFailure.SignatureFailure", Permanent)],
)
def test_a_refusal_of_the_whole_call_is_sorted(code, kind):  # type: ignore[no-untyped-def]
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": "why"}, "RequestId": "R"}})
    assert type(parse_response(200, body.encode())) is kind


def test_a_status_push_becomes_receipts_of_the_serial_numbers():
    pushed = [
        {"user_receive_time": "2026-11-11 09:31:00", "nationcode": "86", "mobile": "13800138000",
         "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功",
         "sid": "S1"},
        {"mobile": "13800138001", "report_status": "FAIL", "errmsg": "MN:0001",
         "description": "空号", "sid": "S2"},
        {"mobile": "13800138002", "report_status": "FAIL", "errmsg": "MK:0009", "sid": "S3"},
    ]  # fmt: skip
    assert receipts_from("tencent", pushed, AT) == [
        Receipt("tencent", "S1", "delivered", AT),
        Receipt("tencent", "S2", "undeliverable", AT, "MN:0001: 空号"),
        Receipt("tencent", "S3", "failed", AT, "MK:0009"),
    ]


def test_a_reply_push_is_known_by_what_it_says():
    pushed = {"extend": "", "mobile": "13800138000", "nationcode": "86", "sign": "Acme",
              "text": "TD", "time": 1762824600}  # fmt: skip
    (reply,) = replies_from("tencent", pushed, AT)
    assert (reply.sender, reply.text) == ("+8613800138000", "TD")
    assert replies_from("tencent", [pushed], AT) == [reply]  # the same push twice: one reply
    assert isinstance(reply, Reply) and reply.ref.startswith("up-")


@pytest.mark.parametrize("pushed", ["text", [{"report_status": "SUCCESS"}], [1]])
def test_a_push_that_is_not_the_provider_s_shape_is_refused(pushed):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidEvent):
        receipts_from("tencent", pushed, AT)
