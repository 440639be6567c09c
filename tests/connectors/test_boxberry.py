"""Boxberry: ListStatuses read, each status row, the pickup point and the store's storage
period, Boxberry's time formats, and refusals kept or raised."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from connector_kit import FIXTURES

from tidings.adapters.connectors import boxberry as bb
from tidings.domain.connectors import Delivery, StoreFacts
from tidings.domain.errors import PlatformError, Untranslatable

MOSCOW = StoreFacts("Europe/Moscow", "RU", "RUB")


def _delivery(status: dict, **headers: str) -> Delivery:
    body = json.dumps({"asked": "DUD15086277", "status": status}, ensure_ascii=False).encode()
    received = datetime(2026, 11, 12, tzinfo=UTC)
    return Delivery("acme", "boxberry", body, headers, received, MOSCOW)


def _data(name: str, comment: str = "", date: str = "2026-11-11T11:48:01", **headers: str):  # type: ignore[no-untyped-def]
    status = {"Date": date, "Name": name, "Comment": comment}
    events = bb.translate(_delivery(status, **headers)).events
    return events[0]["data"] if events else None


def test_the_answer_keeps_only_date_name_and_comment():
    raw = (FIXTURES / "boxberry" / "list_statuses.synthetic.json").read_bytes()
    found = bb.statuses(raw, "DUD15086277")
    assert [s["Name"] for s in found] == ["Загружен реестр ИМ", "Принято к доставке",
                                          "Передан на доставку до пункта выдачи",
                                          "Поступило в пункт выдачи"]  # fmt: skip
    assert sorted(found[0]) == ["Comment", "Date", "Name"]
    extra = json.dumps([{"Date": "x", "Name": "Выдано", "Comment": "т. 89161234567",
                         "Receiver": "Петров"}]).encode()  # fmt: skip
    assert bb.statuses(extra, "N") == [{"Date": "x", "Name": "Выдано", "Comment": "т. …"}]


def test_arrival_at_the_pickup_point_waits_the_stores_storage_period():
    data = _data("Поступило в пункт выдачи",
                 "Москва (115478, Москва г, Каширское ш, д.24, строение 7)",
                 **{"storage-days": "14"})  # fmt: skip
    assert data == {
        "shipment_id": "boxberry-DUD15086277", "carrier": "boxberry",
        "tracking_number": "DUD15086277", "status": "available_for_pickup",
        "substatus": "Поступило в пункт выдачи",
        "message": "Москва (115478, Москва г, Каширское ш, д.24, строение 7)",
        "pickup": {"point": "Boxberry, Москва",
                   "address": "115478, Москва г, Каширское ш, д.24, строение 7",
                   "storage_until": "2026-11-25T23:59:00+03:00"},
    }  # fmt: skip
    assert _data("Поступило в пункт выдачи")["pickup"] == {
        "point": "Boxberry", "storage_until": "2026-11-18T23:59:00+03:00"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "status"),
    [("Загружен реестр ИМ", "info_received"), ("Заказ создан в личном кабинете", "info_received"),
     ("Заказ передан на доставку", "info_received"), ("Принято к доставке", "in_transit"),
     ("Передано на сортировку", "in_transit"),
     ("Отправлен на сортировочный терминал", "in_transit"),
     ("Отправлено в город назначения", "in_transit"), ("В городе Получателя", "in_transit"),
     ("Передан на доставку до Пункта выдачи", "in_transit"),
     ("Передано на курьерскую доставку", "out_for_delivery"),
     ("Поступило в пункт выдачи", "available_for_pickup"), ("Выдано", "delivered"),
     ("Возвращено с курьерской доставки", "failed_attempt"),
     ("Готовится к возврату", "returning"), ("Отправлено в пункт приёма", "returning"),
     ("Возвращено в пункт приема", "returning"), ("Возвращено в ИМ", "returned"),
     ("Искусственная проблема", None)],
)  # fmt: skip
def test_status(name, status):
    data = _data(name)
    assert (data["status"] if data else None) == status


def test_every_row_of_the_table_is_tested():
    tested = {bb.key(name) for name, _ in test_status.pytestmark[0].args[1]}
    assert set(bb.STATUSES) - tested == set()


@pytest.mark.parametrize(
    ("date", "at"),
    [("2026-11-11T11:48:01", "2026-11-11T11:48:01+03:00"),
     ("2026-11-11 11:48:01", "2026-11-11T11:48:01+03:00"),
     ("11.11.2026 11:48", "2026-11-11T11:48:00+03:00")],
)  # fmt: skip
def test_boxberrys_times_are_read_in_the_stores_zone(date, at):
    status = {"Date": date, "Name": "Выдано"}
    assert bb.translate(_delivery(status)).events[0]["occurred_at"] == at


def test_ids_come_from_the_number_the_time_and_the_status():
    delivery = _delivery({"Date": "2026-11-11T11:48:01", "Name": "Выдано"})
    ident = bb.delivery_id(delivery.body, {})
    assert ident.startswith("DUD15086277:2026-11-11T11:48:01:") and ident.isascii()
    other = _delivery({"Date": "2026-11-11T11:48:01", "Name": "Возвращено в ИМ"})
    assert bb.delivery_id(other.body, {}) != ident
    assert bb.translate(delivery).events[0]["id"] == (
        "boxberry:DUD15086277:2026-11-11T11:48:01+03:00:" + ident.rsplit(":", 1)[1]
    )


def test_an_unknown_number_is_kept_with_boxberrys_words():
    [item] = bb.statuses(json.dumps({"err": "Посылка не найдена"}).encode(), "N1")
    body = json.dumps({"asked": "N1", **item}, ensure_ascii=False).encode()
    delivery = Delivery("acme", "boxberry", body, {}, datetime(2026, 11, 12, tzinfo=UTC))
    with pytest.raises(Untranslatable, match="Boxberry does not know N1: Посылка не найдена"):
        bb.translate(delivery)
    assert bb.topic(body, {}) == "err"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b'{"err": "Invalid token"}', "Boxberry refused the token: Invalid token"),
     (b'[{"err": "\xd0\x9e\xd1\x88\xd0\xb8\xd0\xb1\xd0\xba\xd0\xb0 \xd0\xb0\xd0\xb2\xd1\x82'
      b'\xd0\xbe\xd1\x80\xd0\xb8\xd0\xb7\xd0\xb0\xd1\x86\xd0\xb8\xd0\xb8"}]',
      "Boxberry refused the token"),
     (b"<html>", "not JSON"), (b'{"ok": 1}', "neither statuses nor an error")],
)  # fmt: skip
def test_a_refused_token_or_no_answer_raises(content, reason):
    with pytest.raises(PlatformError, match=reason):
        bb.statuses(content, "N1")


def test_a_bad_storage_period_is_named():
    with pytest.raises(Untranslatable, match="storage-days: expected the days"):
        _data("Поступило в пункт выдачи", **{"storage-days": "0"})


def test_nothing_is_taken_at_the_hook():
    assert not bb.verify("token", b"{}", {})
