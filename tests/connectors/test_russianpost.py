"""Russian Post: the SOAP answer read without its people, each operation row, the storage
deadline from the store's period, the post's own count of days left, and refusals kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from connector_kit import FIXTURES

from tidings.adapters.connectors import russianpost as rp
from tidings.adapters.connectors.russianpost_pull import (
    KEPT,
    Refused,
    build_request,
    parse_history,
)
from tidings.domain.connectors import Delivery, StoreFacts
from tidings.domain.errors import PlatformError, Untranslatable

MOSCOW = StoreFacts("Europe/Moscow", "RU", "RUB")
NUMBER = "80081234567890"


def _history() -> list[dict]:
    return parse_history((FIXTURES / "russianpost" / "history.synthetic.xml").read_bytes())


def _record(kind: int, attr: int, at: str = "2026-11-12T10:15:00.000+03:00") -> dict:
    return {
        "AddressParameters": {"OperationAddress": {"Index": "101000", "Description": "Москва 1"}},
        "OperationParameters": {"OperType": {"Id": str(kind), "Name": "Тип"},
                                "OperAttr": {"Id": str(attr), "Name": "Атрибут"},
                                "OperDate": at},
    }  # fmt: skip


def _delivery(record: dict, **headers: str) -> Delivery:
    body = json.dumps({"asked": NUMBER, "record": record}, ensure_ascii=False).encode()
    received = datetime(2026, 11, 12, tzinfo=UTC)
    return Delivery("acme", "russianpost", body, headers, received, MOSCOW)


def _data(record: dict, **headers: str) -> dict | None:
    events = rp.translate(_delivery(record, **headers)).events
    return events[0]["data"] if events else None


def test_the_answer_is_read_oldest_first_without_the_people_in_it():
    history = _history()
    assert [r["OperationParameters"]["OperType"]["Id"] for r in history] == ["1", "8"]
    assert sorted(history[0]) == list(KEPT)
    kept = json.dumps(history, ensure_ascii=False)
    for personal in ("ПЕТРОВ", "ИВАНОВ", "Rcpn", "Sndr", "79161234567", "Phone"):
        assert personal not in kept
    assert history[0]["FinanceParameters"]["Payment"] == "250000"  # COD, in kopecks


def test_an_arrival_waits_the_stores_storage_period_counted_from_the_next_day():
    arrival = _history()[1]
    data = _data(arrival, **{"storage-days": "15"})
    assert data == {
        "shipment_id": f"russianpost-{NUMBER}", "carrier": "russianpost",
        "tracking_number": NUMBER, "status": "available_for_pickup", "substatus": "8.2",
        "location": "Норильск Почтамт",
        "message": "Обработка: Прибыло в место вручения",
        "pickup": {"point": "Норильск Почтамт", "address": "663300",
                   "storage_until": "2026-11-27T23:59:00+07:00"},
    }  # fmt: skip
    assert _data(arrival, **{"storage-days": "30"})["pickup"]["storage_until"] == (
        "2026-12-12T23:59:00+07:00"
    )


def test_without_a_period_the_postal_rules_fifteen_days_hold():
    assert _data(_record(8, 2))["pickup"]["storage_until"] == "2026-11-27T23:59:00+03:00"


@pytest.mark.parametrize(
    ("attr", "until"),
    [(27, "2026-12-07"), (28, "2026-11-17"), (33, "2026-12-05"), (35, "2026-11-22"),
     (42, "2026-11-13"), (43, "2026-11-14")],
)  # fmt: skip
def test_the_posts_own_count_of_days_left_sets_the_deadline(attr, until):
    data = _data(_record(8, attr), **{"storage-days": "30"})
    assert data["status"] == "available_for_pickup"
    assert data["pickup"]["storage_until"] == f"{until}T23:59:00+03:00"


def test_a_locker_keeps_it_for_the_stores_locker_days_when_it_says_them():
    assert _data(_record(8, 9))["pickup"] == {"point": "Москва 1", "address": "101000"}
    with_days = _data(_record(8, 9), **{"locker-days": "7"})["pickup"]
    assert with_days["storage_until"] == "2026-11-19T23:59:00+03:00"


def test_a_notice_after_the_arrival_keeps_the_deadline_already_set():
    data = _data(_record(8, 24))
    assert data["status"] == "available_for_pickup" and "pickup" not in data


@pytest.mark.parametrize(
    ("kind", "attr", "status"),
    [(1, 1, "in_transit"), (1, 2, "in_transit"),
     (2, 1, "delivered"), (2, 2, "returned"), (2, 3, "delivered"), (2, 4, "returned"),
     (2, 5, "delivered"), (2, 6, "delivered"), (2, 7, "returned"), (2, 8, "delivered"),
     (2, 9, "returned"), (2, 10, "delivered"), (2, 11, "delivered"), (2, 12, "delivered"),
     (2, 13, "delivered"), (2, 0, None),
     (3, 1, "returning"), (3, 4, "returning"), (3, 2, "returning"),
     (4, 1, "in_transit"), (4, 5, "exception"), (4, 6, "exception"),
     (5, 1, "exception"), (5, 2, "exception"), (6, 3, "available_for_pickup"),
     (7, 2, "exception"),
     (8, 0, "in_transit"), (8, 1, "in_transit"), (8, 2, "available_for_pickup"),
     (8, 3, "in_transit"), (8, 4, "in_transit"), (8, 5, "in_transit"), (8, 6, "in_transit"),
     (8, 7, "in_transit"), (8, 8, "in_transit"), (8, 9, "available_for_pickup"),
     (8, 10, "available_for_pickup"), (8, 11, "in_transit"), (8, 12, None),
     (8, 13, "in_transit"), (8, 14, "available_for_pickup"), (8, 15, "out_for_delivery"),
     (8, 17, "in_transit"), (8, 18, "out_for_delivery"), (8, 19, "available_for_pickup"),
     (8, 20, "in_transit"), (8, 21, "in_transit"), (8, 22, "in_transit"),
     (8, 23, "available_for_pickup"), (8, 24, "available_for_pickup"),
     (8, 25, "available_for_pickup"), (8, 27, "available_for_pickup"),
     (8, 28, "available_for_pickup"), (8, 29, "exception"), (8, 33, "available_for_pickup"),
     (8, 35, "available_for_pickup"), (8, 39, "available_for_pickup"), (8, 40, None),
     (8, 42, "available_for_pickup"), (8, 43, "available_for_pickup"), (8, 47, "exception"),
     (8, 49, "in_transit"), (8, 99, None),
     (9, 0, "in_transit"), (10, 0, "in_transit"), (11, 0, "in_transit"),
     (12, 1, "failed_attempt"), (12, 6, "failed_attempt"), (12, 9, "failed_attempt"),
     (14, 1, "in_transit"), (14, 2, "exception"), (14, 4, "exception"),
     (15, 0, "exception"), (16, 0, "exception"), (18, 0, "exception"),
     (21, 1, "delivered"), (22, 5, "failed_attempt"), (26, 1, None),
     (27, 0, "info_received"), (28, 0, "info_received"), (99, 0, None)],
)  # fmt: skip
def test_operation(kind, attr, status):
    data = _data(_record(kind, attr))
    assert (data["status"] if data else None) == status
    if data:
        assert data["substatus"] == f"{kind}.{attr}"


def test_every_row_of_the_table_is_tested():
    tested = {f"{k}.{a}" for k, a, _ in test_operation.pytestmark[0].args[1]}
    rows = {code for code in rp.OPERATIONS if "." in code}
    assert rows - tested == set()


def test_a_return_of_a_refused_parcel_says_why_in_its_substatus():
    data = _data(_record(3, 4))
    assert (data["status"], data["substatus"]) == ("returning", "3.4")  # COD refused


def test_an_operation_that_tells_nothing_says_which_it_was():
    assert rp.translate(_delivery(_record(8, 40))).why == (
        "operation 8.40 (Тип: Атрибут) tells the shopper nothing"
    )


def test_ids_come_from_the_number_the_time_and_the_operation():
    delivery = _delivery(_record(8, 2))
    assert rp.delivery_id(delivery.body, {}) == f"{NUMBER}:2026-11-12T10:15:00.000+03:00:8.2"
    event = rp.translate(delivery).events[0]
    assert event["id"] == f"russianpost:{NUMBER}:2026-11-12T10:15:00+03:00:8.2"
    assert rp.translate(delivery).events == rp.translate(delivery).events


def test_a_number_the_post_refused_is_kept_with_its_words():
    body = json.dumps({"asked": "RA1", "fault": "Неверный формат идентификатора"}).encode()
    delivery = Delivery("acme", "russianpost", body, {}, datetime(2026, 11, 12, tzinfo=UTC))
    with pytest.raises(Untranslatable, match="Russian Post does not know RA1: Неверный формат"):
        rp.translate(delivery)
    assert rp.delivery_id(body, {}).startswith("RA1:fault:")
    assert rp.topic(body, {}) == "fault"


@pytest.mark.parametrize(
    ("record", "reason"),
    [({"OperationParameters": {}}, "OperType.Id is missing"),
     ({}, "OperType.Id is missing"),
     (_record(8, 2, at=""), "OperDate is missing"),
     (_record(8, 2, at="yesterday"), "not a time: 'yesterday'")],
)  # fmt: skip
def test_a_bad_record_names_what_is_wrong(record, reason):
    with pytest.raises(Untranslatable, match=reason):
        rp.translate(_delivery(record))


def test_a_bad_storage_period_is_named():
    with pytest.raises(Untranslatable, match="storage-days: expected the days a parcel is kept"):
        rp.translate(_delivery(_record(8, 2), **{"storage-days": "forever"}))


def test_nothing_is_taken_at_the_hook():
    assert not rp.verify("password", b"{}", {})


def test_the_request_names_the_number_and_escapes_the_login():
    request = build_request("shop&co", "p<ss", "RA644000001RU").decode()
    assert "<data:Barcode>RA644000001RU</data:Barcode>" in request
    assert "<data:login>shop&amp;co</data:login>" in request
    assert "<data:password>p&lt;ss</data:password>" in request
    assert 'soapenv:mustUnderstand="1"' in request


def test_a_fault_is_read_by_its_kind():
    fault = (
        b'<S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope"><S:Body><S:Fault>'
        b"<S:Reason><S:Text>Authorization failed</S:Text></S:Reason><S:Detail>"
        b'<ns3:AuthorizationFault xmlns:ns3="http://russianpost.org/operationhistory/data">'
        b"bad login</ns3:AuthorizationFault></S:Detail></S:Fault></S:Body></S:Envelope>"
    )
    with pytest.raises(Refused) as refused:
        parse_history(fault)
    assert (refused.value.kind, refused.value.text) == ("AuthorizationFault", "bad login")
    reason_only = fault.replace(b"bad login", b"")
    with pytest.raises(Refused, match="AuthorizationFault: Authorization failed"):
        parse_history(reason_only)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"<html>busy", "not XML"),
     (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "document type")],
)  # fmt: skip
def test_what_is_no_soap_answer_is_refused(content, reason):
    with pytest.raises(PlatformError, match=reason):
        parse_history(content)
