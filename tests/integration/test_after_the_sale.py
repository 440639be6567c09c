"""Journeys after the sale (journeys.md): shipping notice, pickup reminders, delivery watch,
review request, review watch, after-sale care."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from helpers import at, checkpoint, customer, only, order, paid, replay, shipped, store
from tidings.adapters.db.engine import make_engine
from tidings.domain.messages import page_key

DAY = timedelta(days=1)


def _paid_order(oid: str = "o1", **over: object) -> list[dict]:
    return [order(oid, at(9), **over), paid(oid, at(9, 5))]


def test_one_shipping_notice_per_package_says_which_and_that_the_rest_follow(db_url):
    events = [store(), customer(), *_paid_order()]
    events += [
        shipped("o1", "s1", at(10), package_index=1, package_count=2),
        shipped("o1", "s2", at(11), carrier="YTO", package_index=2, package_count=2),
        shipped("o1", "s2", at(11, 30), carrier="YTO", id_="again"),  # the same parcel again
    ]
    out = only(replay(db_url, events), journey="shipping_notice")
    assert [(m["subject"], m["status"], m["customer_id"]) for m in out] == [
        ("shipment:s1", "sent", "c1"),
        ("shipment:s2", "sent", "c1"),
    ]
    assert "第1/2件，其余另行发出" in out[0]["body"] and "SF Ts1" in out[0]["body"]
    assert "第2/2件" in out[1]["body"] and "YTO Ts2" in out[1]["body"]
    assert "https://acme.example/l/" in out[0]["body"]


def test_a_single_package_notice_links_to_its_tracking_page(db_url):
    events = [store(), customer(locale="en"), *_paid_order(), shipped("o1", "s1", at(10))]
    (notice,) = only(replay(db_url, events), journey="shipping_notice")
    assert "package" not in notice["body"] and "on its way: SF Ts1" in notice["body"]
    token = notice["body"].rsplit("/l/", 1)[1]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        target = conn.execute(text("SELECT target FROM links WHERE token = :t"), {"t": token})
        key = page_key(b"tidings-replay", "/t/acme/s1")
        assert target.scalar() == f"https://acme.example/t/acme/s1?k={key}"
    engine.dispose()


def _waiting(storage_days: int, **over: object) -> list[dict]:
    pickup = {
        "point": "菜鸟驿站",
        "address": "建国路88号",
        "code": "3-1088",
        "storage_until": (at(10) + storage_days * DAY).isoformat(),
    }
    events = [store(), customer(), *_paid_order(**over), shipped("o1", "s1", at(9, 30))]
    return [*events, checkpoint("s1", "available_for_pickup", at(10), pickup=pickup)]


def test_pickup_notice_then_a_reminder_every_48h_and_a_final_warning_a_day_before(db_url):
    out = only(replay(db_url, _waiting(7)), journey="pickup_reminder")
    steps = [(m["step"], m["status"], m["due_at"]) for m in out]
    assert steps == [
        ("arrived", "sent", at(10).isoformat()),
        ("reminder", "sent", (at(10) + 2 * DAY).isoformat()),
        ("reminder.2", "sent", (at(10) + 4 * DAY).isoformat()),
        # the third reminder would fall on the final warning's hour: only the warning goes
        ("final", "sent", (at(10) + 6 * DAY).isoformat()),
    ]
    assert "菜鸟驿站（建国路88号），取件码3-1088，请于11月18日10:00前取件" in out[0]["body"]
    assert "不再保管" in out[-1]["body"] and "退回" not in out[-1]["body"]


def test_the_final_warning_of_a_cash_on_delivery_parcel_says_it_goes_back(db_url):
    out = only(replay(db_url, _waiting(3, payment="cod")), journey="pickup_reminder")
    assert [m["step"] for m in out] == ["arrived", "final"]  # 3 days: no 48 h reminder
    assert "11月14日10:00后将退回商家" in out[-1]["body"]


def test_pickup_reminders_stop_once_the_parcel_is_collected(db_url):
    events = [*_waiting(7), checkpoint("s1", "delivered", at(10) + 3 * DAY)]
    out = only(replay(db_url, events), journey="pickup_reminder")
    assert [(m["step"], m["status"], m["reason"]) for m in out] == [
        ("arrived", "sent", None),
        ("reminder", "sent", None),
        ("reminder.2", "suppressed", "condition_cleared"),
    ]


def test_a_checkpoint_older_than_the_latest_known_starts_nothing(db_url):
    first = [store(), customer(), *_paid_order(), shipped("o1", "s1", at(9, 30))]
    replay(db_url, [*first, checkpoint("s1", "delivered", at(12))])
    late = checkpoint("s1", "available_for_pickup", at(11), pickup={"point": "P", "address": "A"})
    out = replay(db_url, [late])  # arrives after the delivery it precedes
    assert only(out, journey="pickup_reminder") == []


def test_a_review_request_three_days_after_delivery_unless_a_review_came(db_url):
    events = [store(), customer(sms_consent=True), *_paid_order(), *_paid_order("o2")]
    events += [shipped("o1", "s1", at(10)), shipped("o2", "s2", at(10, 30))]
    events += [shipped("o1", "s3", at(10, 40))]  # a second parcel of o1: still one request
    events += [checkpoint(s, "delivered", at(12)) for s in ("s1", "s2", "s3")]
    events.append(
        {
            **checkpoint("s2", "delivered", at(12)),
            "type": "review.posted",
            "data": {
                "review_id": "r2",
                "order_id": "o2",
                "customer_id": "c1",
                "rating": 5,
                "text": "好",
            },
        }
    )
    out = only(replay(db_url, events), journey="review_request")
    assert [(m["subject"], m["status"], m["reason"], m["due_at"]) for m in out] == [
        ("order:o1", "sent", None, (at(12) + 3 * DAY).isoformat()),
        ("order:o2", "suppressed", "condition_cleared", (at(12) + 3 * DAY).isoformat()),
    ]
    assert out[0]["body"].endswith("回T退订")  # marketing


def _on_the_road(payment: str = "prepaid") -> list[dict]:
    events = [store(), customer(), *_paid_order(payment=payment)]
    return [*events, shipped("o1", "s1", at(9, 30)), checkpoint("s1", "in_transit", at(10))]


def test_a_failed_attempt_alerts_the_merchant_and_reassures_the_shopper(db_url):
    events = _on_the_road()
    events.append(
        checkpoint("s1", "failed_attempt", at(14), substatus="NO_ONE_HOME", message="收件人不在")
    )
    events.append(checkpoint("s1", "exception", at(15), message="地址不详"))
    out = only(replay(db_url, events), journey="delivery_watch")
    out.sort(key=lambda m: (m["decided_at"], m["channel"]))
    got = [(m["step"], m["channel"], m["to"], m["status"]) for m in out]
    assert got == [
        ("failed_attempt", "alert", "merchant", "sent"),
        ("reassure", "sms", "+8613800138000", "sent"),  # once per parcel
        ("exception", "alert", "merchant", "sent"),
        ("stalled", "alert", "merchant", "suppressed"),  # no longer in transit
    ]
    assert out[0]["body"] == "投递失败：订单o1，SF Ts1（NO_ONE_HOME）：收件人不在"
    assert out[0]["decided_at"] == at(14).isoformat() and out[0]["cost"] == "0"
    assert out[1]["body"].startswith("【Acme】您的包裹SF Ts1配送遇到问题")
    assert out[2]["body"].endswith("：地址不详")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        query = "SELECT message_id, kind, subject, state FROM alerts ORDER BY opened_at, kind"
        alerts = [tuple(r) for r in conn.execute(text(query))]
    engine.dispose()
    assert alerts == [  # kept for the dashboard, open until handled
        (out[0]["message_id"], "failed_attempt", "shipment:s1", "open"),
        (out[2]["message_id"], "exception", "shipment:s1", "open"),
    ]


def test_stalled_is_one_alert_72h_after_the_last_news_of_a_parcel_in_transit(db_url):
    events = _on_the_road()
    events += [checkpoint("s1", "in_transit", at(10) + DAY, message="到达杭州转运中心")]
    out = only(replay(db_url, events), journey="delivery_watch")
    assert [(m["step"], m["status"], m["decided_at"]) for m in out] == [
        ("stalled", "sent", (at(10) + 4 * DAY).isoformat()),  # re-armed by the second
    ]
    assert "72小时没有更新（最后：到达杭州转运中心）" in out[0]["body"]


@pytest.mark.parametrize(("payment", "expected"), [("cod", ["refused"]), ("prepaid", [])])
def test_a_cash_on_delivery_parcel_going_back_is_a_refused_alert(db_url, payment, expected):
    events = [*_on_the_road(payment), checkpoint("s1", "returning", at(16))]
    out = only(replay(db_url, events), journey="delivery_watch")
    assert [m["step"] for m in out if m["status"] == "sent"] == expected
    if expected:
        assert out[0]["body"].startswith("货到付款拒收：订单o1")


def _review(rid: str, oid: str, when, rating: int = 2, text_: str = "包装破损") -> dict:
    data = {"review_id": rid, "order_id": oid, "customer_id": "c1", "rating": rating}
    return {**order(oid, when), "type": "review.posted", "data": {**data, "text": text_}}


def test_a_deleted_review_alerts_the_merchant_with_its_rating_and_text(db_url):
    events = [store(), customer(), *_paid_order(), _review("r1", "o1", at(12))]
    events.append({**_review("r1", "o1", at(13)), "type": "review.deleted"})
    events[-1]["data"] = {"review_id": "r1", "by": "platform"}
    events.append({**events[-1], "id": "del-2", "data": {"review_id": "r-unknown"}})
    out = only(replay(db_url, events), journey="review_watch")
    assert sorted((m["subject"], m["to"], m["status"]) for m in out) == [
        ("review:r-unknown", "merchant", "sent"),
        ("review:r1", "merchant", "sent"),
    ]
    bodies = {m["subject"]: m["body"] for m in out}
    assert (
        bodies["review:r1"]
        == "评价被删除：2星评价「包装破损」（订单o1）已被平台删除，如有异议可申诉。"
    )
    assert bodies["review:r-unknown"] == "评价被删除：评价r-unknown已被删除，如有异议可申诉。"


def _ticket(type_: str, tid: str, when, **data: object) -> dict:
    return {**order("o1", when), "type": type_, "data": {"ticket_id": tid, **data}}


@pytest.mark.parametrize(("outcome", "follow_up"), [("refunded", "sent"), ("withdrawn", None)])
def test_aftersale_acknowledged_at_once_and_followed_up_a_day_after(db_url, outcome, follow_up):
    opened = {"order_id": "o1", "customer_id": "c1", "kind": "return", "reason": "尺码不合适"}
    events = [store(), customer(), *_paid_order()]
    events.append(_ticket("aftersale.opened", "t1", at(12), **opened))
    events.append(_ticket("aftersale.resolved", "t1", at(15), outcome=outcome))
    out = only(replay(db_url, events), journey="aftersale_care")
    got = [(m["step"], m["status"], m["decided_at"]) for m in out]
    assert got[0] == ("opened", "sent", at(12).isoformat())
    assert out[0]["body"] == "【Acme】您的售后申请已收到（订单o1），我们会尽快处理。"
    assert out[0]["customer_id"] == "c1" and out[0]["subject"] == "ticket:t1"
    if follow_up:
        assert got[1:] == [("follow_up", "sent", (at(15) + DAY).isoformat())]
    else:
        assert [(m["step"], m["reason"]) for m in out[1:]] == [("follow_up", "condition_cleared")]


@pytest.mark.parametrize(
    ("payment", "pickup", "coupon"),
    [("cod", False, True), ("prepaid", True, True), ("prepaid", False, False)],
)
def test_thanks_on_delivery_with_a_one_time_coupon_for_cod_and_pickup_orders(
    db_url, payment, pickup, coupon
):
    events = [store(), customer(), *_paid_order(payment=payment), shipped("o1", "s1", at(10))]
    if pickup:
        spot = {"point": "P", "address": "A"}
        events.append(checkpoint("s1", "available_for_pickup", at(11), pickup=spot))
    events.append(checkpoint("s1", "delivered", at(12)))
    (thanks,) = only(replay(db_url, events), journey="delivered_thanks")
    assert thanks["status"] == "sent" and thanks["decided_at"] == at(12).isoformat()
    code = re.search(r"优惠码([A-Z0-9]+)。", thanks["body"])
    assert bool(code) is coupon
    if not code:
        return
    assert len(code[1]) == 10 and not set(code[1]) & set("01OIL")
    again = order("o2", at(15), coupon_code=code[1])
    later = order("o3", at(16), coupon_code=code[1], id_="reuse")
    replay(db_url, [again, later])
    engine = make_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT message_id, order_id FROM coupons")).one()
    engine.dispose()
    assert row == (thanks["message_id"], "o2")  # redeemed once, by the first order


def test_coupon_codes_are_unique_in_a_store_and_the_same_in_every_replay():
    from tidings.domain.messages import COUPON_ALPHABET, coupon_code

    codes = [coupon_code(b"k", "acme", n) for n in range(1, 20001)]
    assert len(set(codes)) == len(codes)  # a permutation of the numbers: never twice
    assert all(len(c) == 10 and set(c) <= set(COUPON_ALPHABET) for c in codes)
    assert codes[0] == coupon_code(b"k", "acme", 1)
    assert coupon_code(b"other", "acme", 1) != codes[0] != coupon_code(b"k", "shop", 1)


def test_review_replies_vary_reproducibly_and_never_repeat_the_last_one(db_url, tmp_path):
    events = [store(), customer(), *_paid_order()]
    events += [_review(f"r{i}", "o1", at(12, i), rating=5, text_="好") for i in range(12)]
    out = only(replay(db_url, events), journey="review_reply")
    assert [m["to"] for m in out] == [f"review:r{i}" for i in range(12)]
    assert {m["channel"] for m in out} == {"review_reply"} and {m["step"] for m in out} == {"good"}
    bodies = [m["body"] for m in out]
    assert all(a != b for a, b in itertools.pairwise(bodies))
    assert len(set(bodies)) == 3 and not bodies[0].startswith("【Acme】")
    again = replay(str(tmp_path / "again.db"), events)  # the same events, the same replies
    assert [m["body"] for m in only(again, journey="review_reply")] == bodies


def test_a_bad_review_gets_a_reply_an_alert_and_an_apology_with_a_coupon(db_url):
    events = [store(), customer(), *_paid_order(), _review("r1", "o1", at(12), rating=1)]
    out = only(replay(db_url, events), journey="review_reply")
    got = sorted((m["step"], m["to"], m["decided_at"]) for m in out)
    assert got == [
        ("apology", "+8613800138000", at(12, 10).isoformat()),
        ("bad", "review:r1", at(12).isoformat()),
        ("bad_review", "merchant", at(12).isoformat()),
    ]
    apology = only(out, step="apology")[0]
    assert re.search(r"优惠码[A-Z2-9]{10}，", apology["body"])
    alert = only(out, step="bad_review")[0]
    assert alert["body"] == "差评提醒：订单o1收到1星评价「包装破损」，请尽快联系买家。"


def test_a_birthday_greeting_at_ten_their_time_every_year(db_url):
    events = [store(), customer(sms_consent=True, birthday="1990-11-20", name="王芳")]
    events.append(customer("c2", "+8613800138001", sms_consent=True, birthday="02-29"))
    moscow = customer("c3", "+79161234567", sms_consent=True, birthday="11-12")
    moscow["data"]["timezone"] = "Europe/Moscow"
    events.append(moscow)
    out = only(replay(db_url, events, until=at(24 * 500)), journey="birthday_care")
    got = [(m["subject"], m["status"], m["due_at"]) for m in out]
    assert got == [
        ("customer:c3:2026", "sent", "2026-11-12T15:00:00+08:00"),  # 10:00 in Moscow
        ("customer:c1:2026", "sent", "2026-11-20T10:00:00+08:00"),
        ("customer:c2:2027", "sent", "2027-02-28T10:00:00+08:00"),  # no 29 February in 2027
        ("customer:c3:2027", "sent", "2027-11-12T15:00:00+08:00"),
        ("customer:c1:2027", "sent", "2027-11-20T10:00:00+08:00"),
        ("customer:c2:2028", "sent", "2028-02-29T10:00:00+08:00"),
    ]
    assert out[1]["body"].startswith("【Acme】王芳，生日快乐！Acme送您生日优惠码")
    assert out[1]["body"].endswith("回T退订") and out[1]["body"] != out[4]["body"]


def test_a_changed_birthday_moves_this_years_greeting(db_url):
    events = [store(), customer(sms_consent=True, birthday="11-20")]
    events.append(customer(sms_consent=True, birthday="11-25", when=at(12)))
    out = only(replay(db_url, events, until=at(24 * 30)), journey="birthday_care")
    assert [(m["subject"], m["due_at"]) for m in out] == [
        ("customer:c1:2026", "2026-11-25T10:00:00+08:00")
    ]


def test_a_birthday_moved_past_this_years_date_cancels_this_years_greeting(db_url):
    events = [store(), customer(sms_consent=True, birthday="12-20")]
    events.append(customer(sms_consent=True, birthday="03-03", when=at(12)))
    out = only(replay(db_url, events, until=at(24 * 200)), journey="birthday_care")
    assert [(m["subject"], m["status"], m["reason"], m["due_at"][:10]) for m in out] == [
        ("customer:c1:2026", "suppressed", "condition_cleared", "2026-12-20"),
        ("customer:c1:2027", "sent", None, "2027-03-03"),
    ]
