"""A marketplace buyer reached through the platform's relay (no phone): consent, quiet hours,
caps, budget and STOP replies as for any SMS, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from helpers import at, cart, customer, event, only, order, replay, store

OAID, OTHER_OAID = "1aBcDeFgHiJkLmNoPqRsTu", "9zYxWvUtSrQpOnMlKjIhGf"


def tid(n: int) -> str:
    """A Taobao trade id (19 digits, no phone in it)."""
    return f"40123456789012345{n:02d}"


def handle(order_id: str | None, buyer: str = OAID, platform: str = "taobao") -> dict[str, Any]:
    found = {"platform": platform, "buyer": buyer}
    return found | ({"order_id": order_id} if order_id else {})


def buyer(cid: str = "c1", **over: Any) -> dict[str, Any]:
    """A Taobao buyer: no phone, the handle of their latest order."""
    return customer(cid, phone=None, relay=handle(tid(99)), **over)


def tb_order(n: int, when: Any, cid: str = "c1", oaid: str = OAID) -> dict[str, Any]:
    return order(tid(n), when, cid=cid, relay=handle(tid(n), oaid))


def relayed(text: str, when: Any, order_id: str | None = None, oaid: str = OAID) -> dict[str, Any]:
    """A reply the platform reports through its relay."""
    return event("message.inbound", when, text=text, relay=handle(order_id, oaid))


def test_a_buyer_without_a_phone_is_texted_through_the_relay_of_the_order(db_url):
    out = replay(db_url, [store(), buyer(), tb_order(1, at(10))])
    (first,) = only(out, journey="payment_reminder", step="first")
    assert (first["channel"], first["status"]) == ("sms", "sent")
    assert first["to"] == f"taobao:{tid(1)}:{OAID}"  # the order's handle, not the customer's


def test_a_message_about_no_order_goes_through_the_customers_handle(db_url):
    out = replay(db_url, [store(), buyer(sms_consent=True), cart("k1", at(10))])
    (reminder,) = only(out, journey="cart_recovery")
    assert (reminder["status"], reminder["to"]) == ("sent", f"taobao:{tid(99)}:{OAID}")


def test_a_buyer_with_neither_phone_nor_handle_is_an_invalid_recipient(db_url):
    out = replay(db_url, [store(), customer(phone=None), order("o1", at(10))])
    assert only(out, step="first")[0]["reason"] == "invalid_recipient"


def test_quiet_hours_defer_a_relayed_message(db_url):
    out = replay(db_url, [store(), buyer(), tb_order(1, at(20, 45))])
    first = only(out, step="first")[0]
    assert first["status"] == "sent"
    assert first["decided_at"] == "2026-11-12T09:00:00+08:00"


def test_three_relayed_sms_per_buyer_per_24h(db_url):
    events = [store(), buyer()] + [tb_order(i, at(10, i)) for i in range(4)]
    first = only(replay(db_url, events), step="first")
    assert [r["status"] for r in first] == ["sent", "sent", "sent", "suppressed"]
    assert first[3]["reason"] == "frequency_cap"


def test_consent_holds_for_relayed_messages(db_url):
    events = [store(), buyer("c1", sms_consent=False), tb_order(1, at(10)), buyer("c2")]
    events += [cart("k2", at(11), cid="c2")]
    out = replay(db_url, events)
    (first,), (recovery,) = only(out, step="first"), only(out, journey="cart_recovery")
    assert (first["reason"], first["to"]) == ("opted_out", f"taobao:{tid(1)}:{OAID}")
    assert (recovery["reason"], recovery["to"]) == ("no_consent", f"taobao:{tid(99)}:{OAID}")


def test_the_budget_holds_for_relayed_messages(db_url):
    events = [store(monthly_sms_budget="0.05"), buyer(sms_consent=True), tb_order(1, at(9, 30))]
    events += [cart("k1", at(11))]
    out = replay(db_url, events)
    assert only(out, journey="payment_reminder", step="first")[0]["status"] == "sent"
    assert only(out, journey="cart_recovery")[0]["reason"] == "budget_exhausted"
    assert [a["step"] for a in only(out, channel="alert")] == ["budget_exhausted"]


def test_a_stop_through_the_relay_stops_that_buyer_on_every_order(db_url):
    events = [store(), buyer(), tb_order(1, at(9)), relayed("退订", at(9, 10), tid(1))]
    events += [tb_order(2, at(12), oaid=OTHER_OAID)]  # another address: another oaid
    events += [buyer("c2"), tb_order(3, at(12), cid="c2", oaid="c2Oaid0000000000")]
    out = replay(db_url, events)
    first = {r["subject"]: (r["status"], r["reason"]) for r in only(out, step="first")}
    assert first == {
        f"order:{tid(1)}": ("suppressed", "opted_out"),
        f"order:{tid(2)}": ("suppressed", "opted_out"),  # the customer's STOP
        f"order:{tid(3)}": ("sent", None),
    }
    assert only(out, journey="keywords") == []  # the relay takes no free text to confirm


def test_a_stop_without_its_order_stops_the_buyer_id_and_start_undoes_it(db_url):
    events = [store(), buyer(), relayed("STOP", at(8)), tb_order(1, at(9))]
    events += [relayed("START", at(11)), tb_order(2, at(12))]
    out = replay(db_url, events)
    assert [(r["status"], r["reason"]) for r in only(out, step="first")] == [
        ("suppressed", "opted_out"),
        ("sent", None),
    ]


def test_other_words_through_the_relay_change_nothing(db_url):
    events = [store(), buyer(), relayed("谢谢", at(9), tid(1)), tb_order(1, at(9))]
    assert only(replay(db_url, events), step="first")[0]["status"] == "sent"
