"""Date-triggered campaigns: a seller's journey file with a date, a segment and a text."""

from __future__ import annotations

import pytest

from helpers import at, customer, only, order, replay, store
from tidings.adapters.journeys_loader import catalogue
from tidings.domain.errors import InvalidJourney

CHRISTMAS = """
[christmas]
kind = "marketing"
subject = "customer"
campaign = 2026-12-24T10:00:00
where = [
  { field = "customer.tags", has = "vip" },
  { field = "customer.last_order_at", gte = 2026-11-01T00:00:00+08:00 },
]

[[christmas.steps]]
name = "greeting"
at = "campaign"
template.zh-CN = "圣诞快乐！VIP专享礼已备好。"
template.en = "Merry Christmas! A VIP gift is waiting for you."
"""


def _file(tmp_path, text: str = CHRISTMAS):
    path = tmp_path / "campaigns.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_campaign_reaches_its_segment_at_the_local_time_of_each_recipient(db_url, tmp_path):
    vip = {"sms_consent": True, "tags": ["vip"]}
    moscow = customer("c3", "+79161234567", **vip)
    moscow["data"]["timezone"] = "Europe/Moscow"
    events = [
        store(),
        customer("c1", "+8613800138001", **vip),
        customer("c2", "+8613800138002", sms_consent=True, tags=["new"]),
        moscow,
        customer("c4", "+8613800138004", tags=["vip"]),  # no consent to marketing
        customer("c5", "+8613800138005", **vip),  # never orders
        order("o1", at(10), cid="c1", status="paid"),
        order("o3", at(10), cid="c3", status="paid"),
        order("o4", at(10), cid="c4", status="paid"),
        order("o2", at(10), cid="c2", status="paid"),
    ]
    out = replay(db_url, events, until=at(24 * 60), journeys=_file(tmp_path))
    mine = only(out, journey="christmas")
    got = sorted((m["due_at"], m["subject"], m["status"], m["reason"]) for m in mine)
    assert got == [
        ("2026-12-24T10:00:00+08:00", "customer:c1:christmas", "sent", None),
        ("2026-12-24T10:00:00+08:00", "customer:c4:christmas", "suppressed", "no_consent"),
        ("2026-12-24T15:00:00+08:00", "customer:c3:christmas", "sent", None),  # 10:00 Moscow
    ]
    sent = only(out, journey="christmas", status="sent")
    assert sent[0]["body"] == "【Acme】圣诞快乐！VIP专享礼已备好。回T退订"


def test_a_customer_who_leaves_the_segment_before_the_day_gets_nothing(db_url, tmp_path):
    events = [
        store(),
        customer("c1", sms_consent=True, tags=["vip"]),
        order("o1", at(10), status="paid"),
        customer("c1", sms_consent=True, tags=["lapsed"], when=at(24 * 5)),
    ]
    out = replay(db_url, events, until=at(24 * 60), journeys=_file(tmp_path))
    assert [(m["status"], m["reason"]) for m in only(out, journey="christmas")] == [
        ("suppressed", "condition_cleared")
    ]


def test_a_campaign_whose_day_has_passed_starts_nothing(db_url, tmp_path):
    late = [store(at(24 * 50)), customer(sms_consent=True, tags=["vip"], when=at(24 * 50))]
    late.append(order("o1", at(24 * 51), status="paid"))
    out = replay(db_url, late, until=at(24 * 80), journeys=_file(tmp_path))
    assert only(out, journey="christmas") == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("campaign = 2026-12-24T10:00:00", "campaign = 2026-12-24T10:00:00+08:00"), "local"),
        (('kind = "marketing"', 'kind = "service"'), "a campaign is marketing"),
    ],
)
def test_a_campaign_must_be_marketing_at_a_local_time(tmp_path, change, words):
    with pytest.raises(InvalidJourney, match=words):
        catalogue(_file(tmp_path, CHRISTMAS.replace(*change)))
