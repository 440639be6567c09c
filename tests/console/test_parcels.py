"""Parcels: shipments by status, and the ones that need the seller, each linking to its
messages, on both databases."""

from __future__ import annotations

from datetime import date

from helpers import at, checkpoint, order, paid, post, rounds, shipped
from tidings.services.queries_parcels import days_left


def _parcel(n: int, status: str, when, cod: bool = False, **more):  # type: ignore[no-untyped-def]
    oid, sid = f"o{n}", f"s{n}"
    money = {"payment": "cod"} if cod else {}
    events = [order(oid, at(1), **money), shipped(oid, sid, at(2))]
    if not cod:
        events.insert(1, paid(oid, at(1, 10)))
    return [*events, checkpoint(sid, status, when, order_id=oid, **more)]


def _troubled_parcels(console) -> None:  # type: ignore[no-untyped-def]
    """Beside demo_day's s1 (an exception at 09:20): stalled, failed, waiting, refused, a
    prepaid one going back, one moving, one delivered. Then the clock runs on to 14 Nov 08:00."""
    pickup = {"point": "菜鸟驿站", "storage_until": at(24 * 5 + 18).isoformat()}  # 16 Nov 18:00
    events = (
        _parcel(5, "in_transit", at(4)) + _parcel(6, "failed_attempt", at(5))
        + _parcel(7, "available_for_pickup", at(6), pickup=pickup)
        + _parcel(8, "returning", at(7), cod=True) + _parcel(9, "returning", at(7))
        + _parcel(10, "in_transit", at(9, 30)) + _parcel(11, "delivered", at(8))
    )  # fmt: skip
    post(console.app, events)
    rounds(console.app)
    console.clock.advance(hours=70)  # at(80): s5 has had no news for 76 h, s10 for 70 h 30


def _listed(page, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.attrs["data-shipment"] for row in page.select(f"#{key} tr.parcel")]


def test_each_kind_of_trouble_is_listed_and_links_to_its_shipment(console):
    _troubled_parcels(console)
    console.sign_in()
    page = console.get("/console/acme/parcels", lang="ru")
    assert _listed(page, "exceptions") == ["s1"]
    assert _listed(page, "failed_attempts") == ["s6"]
    assert _listed(page, "stalled") == ["s5"]
    assert _listed(page, "refused") == ["s8"]  # s9 goes back too, but it was paid for
    (waiting,) = page.select("#waiting tr.parcel")
    assert waiting.attrs["data-shipment"] == "s7" and waiting.attrs["data-days-left"] == "2"
    assert waiting.one(".days").text == "2"
    assert waiting.select("a")[0].attrs["href"] == "/console/acme/messages?q=s7"


def test_shipments_are_counted_by_status(console):
    _troubled_parcels(console)
    console.sign_in()
    page = console.get("/console/acme/parcels", lang="zh-CN")
    counts = {r.attrs["data-status"]: r.one("td").text for r in page.select("#counts tr.count")}
    assert counts == {"info_received": "0", "in_transit": "2", "out_for_delivery": "0",
                      "available_for_pickup": "1", "delivered": "1", "failed_attempt": "1",
                      "exception": "1", "returning": "2", "returned": "0"}  # fmt: skip
    assert page.one("#counts tr[data-status=in_transit] th").text == "运输中"


def test_parcels_export_as_csv(console):
    _troubled_parcels(console)
    console.sign_in()
    waiting = console.client.get("/console/acme/parcels?format=csv&rows=waiting").text
    lines = waiting.lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[0] == "shipment_id" and lines[0].endswith(",days_left")
    assert lines[1].startswith("s7,o7,") and lines[1].endswith(",2")


def test_days_left_count_local_days_and_go_below_zero_once_storage_is_over():
    today = date(2026, 11, 14)
    assert days_left(at(24 * 5 + 18), today, "Asia/Shanghai") == 2
    assert days_left(at(24 * 4 - 1), today, "Asia/Shanghai") == 0  # 23:00 today
    assert days_left(at(24 * 2), today, "Asia/Shanghai") == -1  # yesterday
    assert days_left(None, today, "Asia/Shanghai") is None


def test_sub_statuses_are_told_in_words_in_each_language(console):
    more = _parcel(12, "failed_attempt", at(5), substatus="no_one_home")
    more += _parcel(13, "failed_attempt", at(5), substatus="204")  # a kuaidi100 code: no words
    post(console.app, more)
    rounds(console.app)
    console.sign_in()
    said = {}
    for lang in ("en", "ru", "zh-CN"):
        page = console.get("/console/acme/parcels", lang=lang)
        said[lang] = {
            row.attrs["data-shipment"]: row.one(".substatus").text
            for row in page.select("tr.parcel")
        }
    assert (said["en"]["s1"], said["ru"]["s1"], said["zh-CN"]["s1"]) == (
        "Damaged", "Повреждена", "包裹破损",
    )  # fmt: skip
    assert (said["en"]["s12"], said["ru"]["s12"], said["zh-CN"]["s12"]) == (
        "No one at home", "Никого не было дома", "家中无人",
    )  # fmt: skip
    assert said["ru"]["s13"] == "Неудачная попытка (204)"  # its status's words, the code beside
