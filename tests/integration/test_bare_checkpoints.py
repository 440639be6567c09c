"""Carriers send many milestones with no place and no text (events.md): such a checkpoint
replays like any other, and no text the journeys write shows a missing value."""

from __future__ import annotations

from typing import Any

from helpers import at, customer, event, only, order, replay, shipped, store


def bare(sid: str, status: str, when: Any, **extra: Any) -> dict[str, Any]:
    """A checkpoint with only what the contract requires."""
    data = {"shipment_id": sid, "carrier": "SF", "tracking_number": f"T{sid}", "status": status}
    return event("shipment.checkpoint", when, **data, **extra)


def day(*checkpoints: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        store(),
        customer(),
        order("o1", at(10), status="paid"),
        shipped("o1", "s1", at(11)),
        *checkpoints,
    ]


def test_bare_milestones_start_the_same_journeys_as_full_ones(db_url):
    out = replay(
        db_url,
        day(
            bare("s1", "in_transit", at(12)),
            bare("s1", "failed_attempt", at(30)),
            bare("s1", "exception", at(31)),
        ),
    )
    steps = {(m["journey"], m["step"]) for m in out if m["status"] == "sent"}
    assert {
        ("shipping_notice", "shipped"),
        ("delivery_watch", "failed_attempt"),
        ("delivery_watch", "exception"),
        ("delivery_watch", "reassure"),
    } <= steps
    failed = only(out, step="failed_attempt")[0]["body"]
    assert failed == "投递失败：订单o1，SF Ts1"
    assert all("None" not in (m["body"] or "") for m in out)


def test_a_stalled_alert_without_a_last_text_says_no_more_than_it_knows(db_url):
    out = replay(db_url, day(bare("s1", "in_transit", at(12))))
    (stalled,) = only(out, step="stalled")
    assert stalled["body"] == "物流停滞：订单o1的包裹SF Ts1已72小时没有更新。"


def test_a_parcel_at_a_pickup_point_with_no_details_still_gets_its_notice(db_url):
    out = replay(db_url, day(bare("s1", "available_for_pickup", at(12))))
    (arrived,) = only(out, journey="pickup_reminder", step="arrived")
    assert arrived["status"] == "sent"
    assert arrived["body"] == "【Acme】您的包裹已到取件点。"
    reminders = only(out, journey="pickup_reminder", step="reminder")
    assert reminders and all("取件点" in m["body"] for m in reminders)


def test_a_pickup_point_without_an_address_is_named_alone(db_url):
    point = {"point": "菜鸟驿站 12号", "code": "6-2-3001"}
    out = replay(db_url, day(bare("s1", "available_for_pickup", at(12), pickup=point)))
    (arrived,) = only(out, journey="pickup_reminder", step="arrived")
    assert arrived["body"] == "【Acme】您的包裹已到菜鸟驿站 12号，取件码6-2-3001。"
