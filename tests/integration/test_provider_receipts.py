"""A provider's receipt acts on the one delivery that provider took under its reference: not on
the message's other recipients, not on another provider's delivery (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, event, live, post, rounds, store
from tidings.adapters.contract import parse_object
from tidings.adapters.db import tables
from tidings.domain.delivery import Receipt
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import MessageStatus

CONTACTS = [{"phone": "+8613911110000"}, {"phone": "+8613911110001"}]
REVIEW = {"review_id": "r1", "order_id": "o1", "customer_id": "c1", "rating": 1, "text": "x"}


def _states(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    d = tables.deliveries.c
    with app.db.connect() as conn:
        return dict(conn.execute(select(d.recipient, d.state).where(d.channel == "sms")).all())


def _alerted(db_url: str, clock: Clock, carrier: ScriptedProvider):  # type: ignore[no-untyped-def]
    """A merchant alert texted to two contacts through `carrier` (refs carrier-1, carrier-2)."""
    app = live(
        db_url, clock, {"file": ScriptedProvider(), "carrier": carrier}, channels={"sms": "carrier"}
    )
    post(app, [store(merchant_contacts=CONTACTS), event("review.posted", clock(), **REVIEW)])
    rounds(app)
    assert set(_states(app).values()) == {"accepted"}
    return app


def test_a_receipt_marks_only_the_recipient_its_reference_was_for(db_url):
    clock, carrier = Clock(at(10)), ScriptedProvider("carrier")
    app = _alerted(db_url, clock, carrier)
    first = next(o.to for o in carrier.sent)  # carrier-1
    carrier.inbound.append(Receipt("carrier", "carrier-1", "undeliverable", clock(), "EXPIRED"))
    rounds(app)
    states = _states(app)
    assert states.pop(first) == "undeliverable"
    assert list(states.values()) == ["accepted"]  # the other contact's SMS is still on its way
    app.close()


def test_a_receipt_of_a_provider_that_is_not_the_delivery_s_changes_nothing(db_url):
    clock, carrier = Clock(at(10)), ScriptedProvider("carrier")
    app = _alerted(db_url, clock, carrier)
    other = ScriptedProvider("other")
    app.dispatcher.providers["other"] = other  # type: ignore[index]
    first = carrier.sent[0]
    ref = {"provider": "other", "ref": "o-1", "store_id": "acme"}  # a reference gone astray
    ref |= {"message_id": first.message_id, "recipient": first.to}
    with app.db.begin() as conn:
        conn.execute(tables.provider_refs.insert().values(**ref))
    other.inbound.append(Receipt("other", "o-1", "failed", clock()))
    rounds(app)
    assert set(_states(app).values()) == {"accepted"}  # carrier took them: only it can say
    app.close()


def test_a_status_naming_its_provider_needs_the_provider_s_reference():
    data = {"message_id": "m1", "status": "delivered", "provider": "carrier"}
    with pytest.raises(InvalidEvent, match="provider_message_id"):
        parse_object(event("message.status", at(10), **data))
    taken = parse_object(event("message.status", at(10), **data, provider_message_id="c-1"))
    assert taken.data == MessageStatus("delivered", "m1", "c-1", None, "carrier")
