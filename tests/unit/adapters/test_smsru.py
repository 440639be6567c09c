"""SMS.ru: the sms/send call and its answers, and the status callback's lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tidings.adapters.providers.smsru import (
    build_request,
    form_of,
    parse_response,
    receipts_from,
)
from tidings.domain.delivery import Accepted, Outgoing, Receipt
from tidings.domain.errors import InvalidEvent, Permanent, Transient

AT = datetime(2026, 11, 11, 9, 30, tzinfo=UTC)
TO = "+79161234567"


def test_send_carries_the_api_id_the_number_and_the_text():
    out = Outgoing("shop", "msg_1", "sms", TO, "Заказ o1 ждёт оплаты")
    request = build_request(out, endpoint="https://sms.ru", api_id="A1", sender="Shop")
    assert request.url == "https://sms.ru/sms/send"
    assert request.form == {
        "api_id": "A1", "to": "79161234567", "msg": "Заказ o1 ждёт оплаты", "json": "1",
        "from": "Shop",
    }  # fmt: skip


def _answer(code: int, **more: str) -> bytes:
    one = {"status": "OK" if code == 100 else "ERROR", "status_code": code, **more}
    return json.dumps({"status": "OK", "status_code": 100, "sms": {"79161234567": one}}).encode()


def test_code_100_gives_the_sms_id():
    assert parse_response(200, _answer(100, sms_id="000000-10000000"), TO) == Accepted(
        ("000000-10000000",)
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [(201, Transient), (206, Transient), (220, Transient), (230, Transient), (231, Transient),
     (202, Permanent), (204, Permanent), (207, Permanent), (209, Permanent)],
)  # fmt: skip
def test_each_code_is_sorted_transient_or_permanent(code, kind):  # type: ignore[no-untyped-def]
    error = parse_response(200, _answer(code, status_text="why"), TO)
    assert (type(error), str(error)) == (kind, f"{code}: why")


def test_a_refusal_of_the_whole_call_is_read_too():
    body = json.dumps({"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"})
    assert str(parse_response(200, body.encode(), TO)) == "200: Неправильный api_id"


@pytest.mark.parametrize(
    ("code", "status"),
    [("103", "delivered"), ("110", "delivered"), ("104", "failed"), ("105", "failed"),
     ("106", "undeliverable"), ("107", "failed"), ("108", "failed"), ("150", "undeliverable")],
)  # fmt: skip
def test_each_final_status_is_a_receipt(code, status):  # type: ignore[no-untyped-def]
    (receipt,) = receipts_from("smsru", [("data[0]", f"sms_status\nS-1\n{code}\n1762822800")], AT)
    assert (receipt.ref, receipt.status) == ("S-1", status)


def test_statuses_on_the_way_and_test_calls_give_nothing():
    form = [("data[0]", "sms_status\nS-1\n102\n1762822800"), ("data[1]", "test\n1762822800")]
    assert receipts_from("smsru", form, AT) == []


def test_the_callback_form_is_read_in_order():
    raw = "data%5B0%5D=sms_status%0AS-1%0A103%0A1762822800&data%5B1%5D=sms_status%0AS-2%0A106%0A1"
    assert receipts_from("smsru", form_of(raw.encode()), AT) == [
        Receipt("smsru", "S-1", "delivered", AT),
        Receipt("smsru", "S-2", "undeliverable", AT, "status 106"),
    ]


def test_a_line_without_its_id_is_refused():
    with pytest.raises(InvalidEvent):
        receipts_from("smsru", [("data[0]", "sms_status\n\n103")], AT)
