"""A World holds a decided message as its key only (and its customer, to know under which
subject it was loaded): nothing reads a decided message again but to know it is there."""

from __future__ import annotations

from datetime import UTC, datetime

from tidings.domain.messages import PENDING, SENT, SUPPRESSED, Message
from tidings.domain.state import Alert
from tidings.services.world import Found, Keys, World

AT = datetime(2026, 11, 11, 10, tzinfo=UTC)


def _message(ident: str, subject: str, status: str = PENDING, customer: str = "c1") -> Message:
    return Message(
        "s1", ident, "payment_reminder", "first", subject, "service", "sms", AT, AT, AT,
        customer, "+8613900000000", status, None, AT if status != PENDING else None, "Pay",
    )  # fmt: skip


def test_a_decided_message_loaded_from_storage_is_held_as_its_key():
    world = World()
    sent = _message("m1", "order:o1", SENT)
    world.take(Found(decided={sent.key: sent.customer_id}))
    assert world.has_message(sent.key)
    assert sent.key not in world.messages
    assert world.decided == {sent.key: "c1"}
    assert world.messages_of("s1", ["c1"]) == []


def test_a_message_decided_in_a_batch_is_settled_to_its_key_when_the_batch_ends():
    world = World()
    decided, waiting = _message("m1", "order:o1"), _message("m2", "order:o2")
    world.add_message(decided)
    world.add_message(waiting)
    decided.status, decided.decided_at = SUPPRESSED, AT
    world.changed(decided)
    assert world.messages[decided.key] is decided  # the batch still sees it whole
    world.end_batch()
    assert decided.key not in world.messages and world.decided[decided.key] == "c1"
    assert world.messages[waiting.key] is waiting
    assert world.messages_of("s1", ["c1"]) == [waiting]
    assert world.has_message(decided.key) and world.has_message(waiting.key)


def test_a_shrunk_world_keeps_the_decided_keys_of_the_subjects_asked_for_lately():
    world = World()
    world.unseen_subjects({("s1", "order:o1"), ("s1", "customer:c2:*")})
    world.end_batch()
    world.unseen_subjects({("s1", "order:o2")})
    world.unseen(Keys(orders={("s1", "o2")}))
    world.end_batch()
    old, recent = _message("m1", "order:o1", SENT), _message("m2", "order:o2", SENT)
    birthday = _message("m3", "customer:c2:birthday:2026", SENT, customer="c2")
    world.take(Found(decided={m.key: m.customer_id for m in (old, recent, birthday)}))
    kept = world.shrunk(2)
    assert kept.decided == {recent.key: "c1"}
    assert kept.seen["subject"] == {("s1", "order:o2"): 1}
    wider = world.shrunk(4)  # both batches' keys: the customer's own subjects come back too
    assert set(wider.decided) == {old.key, recent.key, birthday.key}


def test_an_alert_raised_in_a_batch_is_let_go_once_the_batch_is_written():
    world = World()  # a replay's World outlives a day of batches: what it only writes goes
    world.alerts[("s1", "m1")] = Alert("s1", "m1", "exception", "shipment:p1", opened_at=AT)
    world.touch("alert", ("s1", "m1"))
    world.end_batch()
    assert world.alerts == {} and world.dirty == set()
    world.alerts[("s1", "m2")] = Alert("s1", "m2", "stalled", "shipment:p2", opened_at=AT)
    assert world.shrunk(10).alerts == {}
