"""CDEK: the token in the URL, each status row, the order read back winning over the push,
pickup deadlines, refusals and return orders (the translation alone, on CDEK's documented
fields)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest
from connector_kit import MOSCOW, SECRET, datas, delivery, sample, unsigned

from tidings.adapters.connectors import cdek
from tidings.domain.connectors import URL_TOKEN, Credentials
from tidings.domain.errors import Untranslatable

KEPT = Credentials(SECRET, {"client_id": "id", "client_secret": "shh"})


def _order(code: str = "ACCEPTED_AT_PICK_UP_POINT", **over: Any) -> dict[str, Any]:
    order = copy.deepcopy(sample("cdek", "order.synthetic.json")["entity"])
    order["statuses"][0]["code"] = code
    return order | over


def _translate(order: dict[str, Any] | None = None, push: dict[str, Any] | None = None, **ctx: Any):  # type: ignore[no-untyped-def]
    found = delivery(
        "cdek", unsigned(push or sample("cdek", "order_status.synthetic.json")), MOSCOW
    )
    context = {"order": _order() if order is None else order} | ctx
    return cdek.translate(replace(found, context=context))


def test_the_token_in_the_url_is_the_connectors_secret():
    body, _ = unsigned(sample("cdek", "order_status.synthetic.json"))
    assert cdek.verify(SECRET, body, {URL_TOKEN: SECRET})
    assert not cdek.verify(SECRET, body, {URL_TOKEN: "wrong-secret"})
    assert not cdek.verify(SECRET, body, {URL_TOKEN: ""}) and not cdek.verify(SECRET, body, {})


def test_a_resent_push_has_the_same_delivery_id():
    body, _ = unsigned(sample("cdek", "order_status.synthetic.json"))
    assert cdek.delivery_id(body, {}) == (
        "72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81:ACCEPTED_AT_PICK_UP_POINT:2026-11-11T15:20:00+0300"
    )
    assert cdek.topic(body, {}) == "ORDER_STATUS"


def test_a_parcel_at_the_pickup_point_carries_cdeks_deadline():
    translated = _translate()
    [(kind, data)] = datas(translated)
    assert kind == "shipment.checkpoint"
    assert data == {
        "shipment_id": "cdek-1106207236", "order_id": "ACME-1042", "carrier": "CDEK",
        "tracking_number": "1106207236", "status": "available_for_pickup",
        "substatus": "ACCEPTED_AT_PICK_UP_POINT", "location": "Москва",
        "message": "Принят на склад до востребования",
        "pickup": {"point": "MSK123", "address": "ул. Тверская, 7",
                   "storage_until": "2026-11-18T20:59:59+00:00"},
    }  # fmt: skip
    assert translated.events[0]["occurred_at"] == "2026-11-11T15:20:00+03:00"
    assert translated.events[0]["id"] == (
        "cdek:72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81:ACCEPTED_AT_PICK_UP_POINT:2026-11-11T15:20:00+03:00"
    )


def test_a_bare_keep_free_until_date_lasts_to_that_days_end_in_the_stores_zone():
    [(_, data)] = datas(_translate(_order(keep_free_until="2026-11-18")))
    assert data["pickup"]["storage_until"] == "2026-11-18T23:59:59+03:00"


def test_the_order_as_cdek_tells_it_wins_over_what_the_push_says():
    push = sample("cdek", "order_status.synthetic.json")
    push["attributes"]["code"] = "DELIVERED"  # forged or stale: CDEK's order says otherwise
    [(_, data)] = datas(_translate(push=push))
    assert data["status"] == "available_for_pickup"


def test_the_newest_status_is_read_by_its_time_not_its_place():
    order = _order()
    order["statuses"].reverse()
    [(_, data)] = datas(_translate(order))
    assert data["substatus"] == "ACCEPTED_AT_PICK_UP_POINT"


@pytest.mark.parametrize(
    ("code", "status"),
    [("ACCEPTED", None), ("CREATED", "info_received"), ("REMOVED", None), ("INVALID", None),
     ("RECEIVED_AT_SHIPMENT_WAREHOUSE", "in_transit"),
     ("READY_TO_SHIP_AT_SENDING_OFFICE", "in_transit"),
     ("READY_FOR_SHIPMENT_IN_TRANSIT_CITY", "in_transit"),
     ("RETURNED_TO_SENDER_CITY_WAREHOUSE", "in_transit"),
     ("TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY", "in_transit"),
     ("SENT_TO_TRANSIT_CITY", "in_transit"), ("ACCEPTED_IN_TRANSIT_CITY", "in_transit"),
     ("ACCEPTED_AT_TRANSIT_WAREHOUSE", "in_transit"),
     ("RETURNED_TO_TRANSIT_WAREHOUSE", "in_transit"),
     ("READY_TO_SHIP_IN_TRANSIT_OFFICE", "in_transit"),
     ("TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY", "in_transit"),
     ("SENT_TO_SENDER_CITY", "in_transit"), ("SENT_TO_RECIPIENT_CITY", "in_transit"),
     ("ACCEPTED_IN_SENDER_CITY", "in_transit"), ("ACCEPTED_IN_RECIPIENT_CITY", "in_transit"),
     ("ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE", "in_transit"),
     ("IN_CUSTOMS_INTERNATIONAL", "in_transit"), ("SHIPPED_TO_DESTINATION", "in_transit"),
     ("PASSED_TO_TRANSIT_CARRIER", "in_transit"), ("IN_CUSTOMS_LOCAL", "in_transit"),
     ("CUSTOMS_COMPLETE", "in_transit"), ("TAKEN_BY_COURIER", "out_for_delivery"),
     ("RETURNED_TO_RECIPIENT_CITY_WAREHOUSE", "failed_attempt"),
     ("ACCEPTED_AT_PICK_UP_POINT", "available_for_pickup"),
     ("POSTOMAT_POSTED", "available_for_pickup"), ("DELIVERED", "delivered"),
     ("POSTOMAT_RECEIVED", "delivered"), ("POSTOMAT_SEIZED", "returning"),
     ("NOT_DELIVERED", "returning")],
)  # fmt: skip
def test_cdek_status(code, status):
    found = _translate(_order(code)).events
    assert (found[0]["data"]["status"] if found else None) == status


def test_only_a_waiting_parcel_carries_a_pickup():
    assert "pickup" in _translate(_order("POSTOMAT_POSTED")).events[0]["data"]
    assert "pickup" not in _translate(_order("TAKEN_BY_COURIER")).events[0]["data"]


def _not_delivered(reason: str) -> dict[str, Any]:
    order = _order("NOT_DELIVERED")
    order["statuses"][0] |= {"reason_code": reason, "name": "Не вручен"}
    [(_, data)] = datas(_translate(order))
    return data


@pytest.mark.parametrize(
    ("reason", "status", "message"),
    [("11", "returning", "refused by the recipient"),
     ("17", "returning", "refused by the recipient: changed their mind"),
     ("21", "returning", "refused by the recipient: no money"),
     ("23", "returning", "storage period expired"),
     ("1", "returning", "wrong address"),
     ("26", "exception", "lost"),
     ("99", "returning", "Не вручен")],
)  # fmt: skip
def test_not_delivered_says_why(reason, status, message):
    data = _not_delivered(reason)
    assert (data["status"], data["substatus"], data["message"]) == (
        status, f"NOT_DELIVERED:{reason}", message)  # fmt: skip


def _return(code: str) -> dict[str, Any]:
    back = _order(code, uuid="72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81", is_return=True,
                  cdek_number="1106299999", number=None)  # fmt: skip
    direct = _order("NOT_DELIVERED")
    [(_, data)] = datas(_translate(back, direct=direct))
    return data


@pytest.mark.parametrize(
    ("code", "status"),
    [("RECEIVED_AT_SHIPMENT_WAREHOUSE", "returning"), ("SENT_TO_RECIPIENT_CITY", "returning"),
     ("ACCEPTED_AT_PICK_UP_POINT", "returning"), ("DELIVERED", "returned")],
)  # fmt: skip
def test_a_return_order_is_news_of_the_direct_orders_parcel(code, status):
    data = _return(code)
    assert (data["tracking_number"], data["order_id"], data["status"]) == (
        "1106207236", "ACME-1042", status)  # fmt: skip
    assert "pickup" not in data


def test_an_unknown_status_fails_with_its_name_for_a_mapping_fix():
    with pytest.raises(Untranslatable, match=r"status 'TELEPORTED' of order .* is not one"):
        _translate(_order("TELEPORTED"))


def test_what_cdek_could_not_tell_is_the_reason():
    with pytest.raises(Untranslatable, match="CDEK does not know order"):
        _translate(None, unread="CDEK does not know order 'x': nothing is acted on")
    with pytest.raises(Untranslatable, match="another order"):
        _translate(_order(uuid="00000000-0000-4000-8000-000000000000"))
    push = sample("cdek", "order_status.synthetic.json") | {"uuid": "../../v2/webhooks"}
    with pytest.raises(Untranslatable, match="uuid is missing or not a CDEK order id"):
        _translate(push=push)


def test_other_webhook_types_are_ignored_with_the_reason():
    push = {"type": "PRINT_FORM", "uuid": "72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81",
            "attributes": {"type": "waybill", "url": "https://api.cdek.ru/x.pdf"}}  # fmt: skip
    found = _translate(push=push)
    assert found.events == [] and found.why == "type 'PRINT_FORM' is not one tidings reads"
