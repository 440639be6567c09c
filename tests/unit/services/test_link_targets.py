"""Where a message's links lead: web pages the event named, or the message's own parcel's
tracking page signed; never a page of another store, whatever the stored data says."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import at
from tidings.adapters.journeys_loader import builtin
from tidings.adapters.templates import JinjaRenderer
from tidings.domain.journeys import Step
from tidings.domain.messages import Message, page_key
from tidings.domain.state import Order, Store
from tidings.domain.state_after import Shipment
from tidings.services.texts import Texts

SECRET = b"k"


def _links(store: Store, **ctx: Any) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    texts = Texts(builtin(), JinjaRenderer(), SECRET)
    step = Step("first", builtin().journeys["payment_reminder"].steps[0].at, template={"en": "x"},
                links={"pay": "order.pay_url", "track": "shipment.tracking_path"})  # fmt: skip
    message = Message(store.store_id, "msg_1", "j", "first", "order:o1", "service", "sms",
                      at(0), at(0), at(0))  # fmt: skip
    context: dict[str, Any] = {"store": store, **ctx}
    _, rows = texts.render_step(message, step, store, context)
    return context["links"], rows


@pytest.mark.parametrize(
    "pay_url", ["/t/acme/s012", "/t/bolt/s1", "javascript:alert(1)", "//evil.example/x", "o1"]
)
def test_a_stored_pay_url_that_is_no_web_url_leads_to_the_store_home(pay_url):
    bolt = Store("bolt", base_url="https://bolt.example")
    order = Order("bolt", "o1", pay_url=pay_url)
    _, rows = _links(bolt, order=order)
    assert rows[0][3] == "https://bolt.example"


def test_without_a_base_url_a_foreign_page_is_not_signed_either():
    bolt = Store("bolt")
    order = Order("bolt", "o1", pay_url="/t/acme/s012")
    links, rows = _links(bolt, order=order, shipment=Shipment("acme", "s012"))
    assert rows == [] and links == {"pay": "", "track": ""}


def test_the_parcels_own_tracking_page_is_signed():
    acme = Store("acme", base_url="https://acme.example")
    parcel = Shipment("acme", "s012")
    _, rows = _links(acme, shipment=parcel)
    key = page_key(SECRET, "/t/acme/s012")
    assert rows[1][3] == f"https://acme.example/t/acme/s012?k={key}"


def test_a_parcel_of_another_store_is_not_signed():
    bolt = Store("bolt", base_url="https://bolt.example")
    _, rows = _links(bolt, shipment=Shipment("acme", "s012"))
    assert rows[1][3] == "https://bolt.example"


def test_a_web_pay_url_is_kept():
    bolt = Store("bolt", base_url="https://bolt.example")
    _, rows = _links(bolt, order=Order("bolt", "o1", pay_url="https://pay.example/o1?x=1"))
    assert rows[0][3] == "https://pay.example/o1?x=1"
