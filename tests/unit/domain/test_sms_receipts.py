"""Delivery receipt texts and what their states mean for a delivery."""

from __future__ import annotations

import pytest

from tidings.domain.sms_receipts import (
    MESSAGE_STATES,
    ReceiptText,
    parse_receipt,
    receipt_error,
    receipt_status,
)

COMMON = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2503011200 done date:2503011201 "
    "stat:DELIVRD err:000 text:Your order has shipped"
)


def test_common_form() -> None:
    assert parse_receipt(COMMON) == ReceiptText(
        id="0123456789",
        sub="001",
        dlvrd="001",
        submit_date="2503011200",
        done_date="2503011201",
        stat="DELIVRD",
        err="000",
        text="Your order has shipped",
    )


def test_text_runs_to_the_end_whatever_it_holds() -> None:
    parsed = parse_receipt("id:abc stat:UNDELIV err:012 text:id:zzz stat:DELIVRD 10:30")
    assert parsed is not None
    assert (parsed.id, parsed.stat, parsed.err) == ("abc", "UNDELIV", "012")
    assert parsed.text == "id:zzz stat:DELIVRD 10:30"


def test_names_are_read_in_any_case_and_order() -> None:
    parsed = parse_receipt("Stat:EXPIRED ID:7f3a Err:001 Submit Date:2503011200")
    assert parsed == ReceiptText(id="7f3a", stat="EXPIRED", err="001", submit_date="2503011200")


@pytest.mark.parametrize(
    "text", ["", "hello", "id: stat:DELIVRD", "id:abc err:000", "stat:DELIVRD text:id:abc"]
)
def test_without_id_or_state_it_is_no_receipt(text: str) -> None:
    assert parse_receipt(text) is None


@pytest.mark.parametrize(
    ("stat", "status"),
    [
        ("DELIVRD", "delivered"),
        ("delivrd", "delivered"),
        ("UNDELIV", "undeliverable"),
        ("EXPIRED", "undeliverable"),
        ("REJECTD", "undeliverable"),
        ("DELETED", "undeliverable"),
        ("UNKNOWN", "failed"),
        ("FAILED", "failed"),
        ("ENROUTE", None),
        ("ACCEPTD", None),
    ],
)
def test_status_of_each_state(stat: str, status: str | None) -> None:
    assert receipt_status(stat) == status


def test_message_state_values_are_the_smpp_ones() -> None:
    assert [receipt_status(MESSAGE_STATES[n]) for n in range(1, 9)] == [
        None,
        "delivered",
        "undeliverable",
        "undeliverable",
        "undeliverable",
        None,
        "failed",
        "undeliverable",
    ]


@pytest.mark.parametrize(
    ("stat", "err", "error"),
    [
        ("DELIVRD", "000", None),
        ("DELIVRD", "005", None),
        ("UNDELIV", "012", "UNDELIV err:012"),
        ("UNDELIV", "000", "UNDELIV"),
        ("expired", "", "EXPIRED"),
    ],
)
def test_error(stat: str, err: str, error: str | None) -> None:
    assert receipt_error(stat, err) == error
