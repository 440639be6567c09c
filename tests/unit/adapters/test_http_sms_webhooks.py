"""The HTTP SMS provider's webhooks: the request signature, status callbacks, inbound messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tidings.adapters.providers.http_sms import receipt_from, reply_from, signature, verify
from tidings.domain.delivery import Receipt, Reply
from tidings.domain.errors import InvalidEvent, NaiveDatetime

AT = datetime(2024, 11, 11, 9, 30, tzinfo=UTC)

# The worked example Twilio publishes with its request validators (auth token 12345).
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

# Computed by hand with `openssl dgst -sha1 -hmac tok -binary | base64` over
# "https://shop.example/hooks/sms?message_id=msg_1MessageSidSM0001MessageStatusdelivered".
OUR_URL = "https://shop.example/hooks/sms?message_id=msg_1"
OUR_PARAMS = {"MessageStatus": "delivered", "MessageSid": "SM0001"}
OUR_SIGNATURE = "75hMwc6WHTDpaXyGkkIvfJCcJHM="


def test_the_signature_matches_twilio_s_published_example():
    assert signature("12345", TWILIO_URL, TWILIO_PARAMS) == TWILIO_SIGNATURE


def test_the_signature_sorts_the_parameters_by_name():
    assert signature("tok", OUR_URL, OUR_PARAMS) == OUR_SIGNATURE


def test_verify_accepts_the_signed_request_only():
    assert verify("12345", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE)
    tampered = TWILIO_PARAMS | {"Digits": "1235"}
    assert not verify("12345", TWILIO_URL, tampered, TWILIO_SIGNATURE)
    assert not verify("12345", TWILIO_URL, TWILIO_PARAMS | {"Extra": ""}, TWILIO_SIGNATURE)
    assert not verify(
        "12345", TWILIO_URL.replace("bar=2", "bar=3"), TWILIO_PARAMS, TWILIO_SIGNATURE
    )
    assert not verify("54321", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE)
    assert not verify("12345", TWILIO_URL, TWILIO_PARAMS, None)
    assert not verify("12345", TWILIO_URL, TWILIO_PARAMS, "")


def test_a_delivered_callback_is_a_delivered_receipt():
    params = {"MessageSid": "SM0001", "MessageStatus": "delivered", "To": "+8613800138000"}
    assert receipt_from("twilio", params, AT) == Receipt(
        provider="twilio", ref="SM0001", status="delivered", at=AT
    )


@pytest.mark.parametrize(
    ("status", "code", "message", "expected", "error"),
    [
        ("undelivered", "30003", "", "undeliverable", "30003: Unreachable destination handset"),
        ("failed", "30008", "Unknown error", "failed", "30008: Unknown error"),
        ("failed", "21610", "", "failed", "error 21610"),
        ("failed", "", "", "failed", None),
    ],
)
def test_a_callback_that_did_not_reach_the_phone_names_the_error(
    status, code, message, expected, error
):
    params = {"MessageSid": "SM2", "MessageStatus": status, "ErrorCode": code}
    if message:
        params["ErrorMessage"] = message
    receipt = receipt_from("twilio", params, AT)
    assert receipt is not None
    assert (receipt.status, receipt.error) == (expected, error)


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "accepted", "scheduled"])
def test_a_status_on_the_way_is_no_receipt(status):
    assert receipt_from("twilio", {"MessageSid": "SM3", "MessageStatus": status}, AT) is None


def test_a_callback_without_its_sid_or_status_is_refused():
    with pytest.raises(InvalidEvent, match="MessageSid"):
        receipt_from("twilio", {"MessageStatus": "delivered"}, AT)
    with pytest.raises(InvalidEvent, match="MessageStatus"):
        receipt_from("twilio", {"MessageSid": "SM4"}, AT)


def test_an_inbound_message_is_a_reply():
    params = {"MessageSid": "SM5", "From": "+8613800138000", "To": "+15005550006", "Body": "TD"}
    assert reply_from("twilio", params, AT) == Reply(
        provider="twilio", sender="+8613800138000", to="+15005550006", text="TD", at=AT, ref="SM5"
    )
    with pytest.raises(InvalidEvent, match="From"):
        reply_from("twilio", {"Body": "hi"}, AT)


def test_an_inbound_message_without_its_sid_is_known_by_its_form_not_by_when_it_came():
    params = {"From": "+8613800138000", "To": "+15005550006", "Body": "TD"}
    first = reply_from("twilio", params, AT)
    again = reply_from("twilio", params, AT + timedelta(minutes=5))
    assert first.ref == again.ref and first.ref.startswith("form-")
    assert reply_from("twilio", params | {"Body": "Y"}, AT).ref != first.ref
    assert "13800138000" not in first.ref and "TD" not in first.ref
    older = reply_from("twilio", params | {"SmsMessageSid": "SM7"}, AT)
    assert older.ref == "SM7"


def test_webhook_times_must_be_aware():
    with pytest.raises(NaiveDatetime):
        reply_from("twilio", {"From": "+1"}, datetime(2024, 1, 1))
    with pytest.raises(NaiveDatetime):
        receipt_from("twilio", OUR_PARAMS, datetime(2024, 1, 1))
