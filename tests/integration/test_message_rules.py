"""The rules every message obeys (journeys.md), on SQLite and PostgreSQL."""

from __future__ import annotations

from helpers import at, cart, customer, event, inbound, only, order, paid, replay, store


def test_quiet_hours_defer_to_their_end_never_drop(db_url):
    out = replay(db_url, [store(), customer(), order("o1", at(20, 45))])
    first = only(out, step="first")[0]
    assert first["status"] == "sent"
    assert first["due_at"] == "2026-11-11T21:15:00+08:00"
    assert first["decided_at"] == "2026-11-12T09:00:00+08:00"


def test_quiet_hours_are_read_in_the_customers_time_zone(db_url):
    # 21:15 in Shanghai is 16:15 in Moscow: not quiet there
    out = replay(db_url, [store(), customer(timezone="Europe/Moscow"), order("o1", at(20, 45))])
    assert only(out, step="first")[0]["decided_at"] == "2026-11-11T21:15:00+08:00"


def test_a_store_sets_its_own_quiet_hours(db_url):
    quiet = {"start": "22:00", "end": "08:00"}
    out = replay(db_url, [store(quiet_hours=quiet), customer(), order("o1", at(20, 45))])
    assert only(out, step="first")[0]["decided_at"] == "2026-11-11T21:15:00+08:00"


def test_deferred_message_is_decided_again_at_the_end_of_quiet_hours(db_url):
    out = replay(db_url, [store(), customer(), order("o1", at(20, 45)), paid("o1", at(30))])
    first = only(out, step="first")[0]
    assert (first["status"], first["reason"]) == ("suppressed", "condition_cleared")
    assert first["decided_at"] == "2026-11-12T09:00:00+08:00"


def test_opted_out_customer_gets_no_service_sms(db_url):
    out = replay(db_url, [store(), customer(sms_consent=False), order("o1", at(10))])
    assert (only(out, step="first")[0]["reason"]) == "opted_out"


def test_unknown_consent_still_gets_service_sms(db_url):
    out = replay(db_url, [store(), customer(), order("o1", at(10))])
    assert only(out, step="first")[0]["status"] == "sent"


def test_stop_reply_opts_out_at_once_and_confirms_once(db_url):
    events = [
        store(),
        customer(),
        order("o1", at(10)),
        inbound(" stop ", at(10, 10)),
        inbound("STOP", at(10, 12)),
    ]
    out = replay(db_url, events)
    first = only(out, journey="payment_reminder", step="first")[0]
    assert (first["status"], first["reason"]) == ("suppressed", "opted_out")
    assert first["decided_at"] == "2026-11-11T10:10:00+08:00"
    confirmations = only(out, journey="keywords")
    assert [(c["step"], c["status"]) for c in confirmations] == [("opt_out", "sent")]
    assert confirmations[0]["to"] == "+8613800138000"
    assert "Acme" in confirmations[0]["body"]


def test_every_opt_out_keyword_works(db_url):
    words = [
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "QUIT",
        "STOPALL",
        "t",
        "TD",
        "N",
        "退订",
        "стоп",
        "ОТПИСАТЬСЯ",
    ]
    events = [store()]
    for i, word in enumerate(words):
        phone = f"+861380013{8100 + i}"
        events += [
            customer(f"c{i}", phone=phone),
            inbound(word, at(9, i), sender=phone),
            order(f"o{i}", at(10), cid=f"c{i}"),
        ]
    out = replay(db_url, events)
    assert {r["reason"] for r in only(out, journey="payment_reminder")} == {"opted_out"}
    assert len(only(out, journey="keywords", step="opt_out")) == len(words)


def test_start_opts_back_in_for_service_only(db_url):
    events = [
        store(),
        customer(sms_consent=True),
        inbound("STOP", at(9)),
        inbound("start", at(9, 30)),
        order("o1", at(10)),
        cart("k1", at(12)),
    ]
    out = replay(db_url, events)
    assert only(out, journey="payment_reminder", step="first")[0]["status"] == "sent"
    assert only(out, journey="cart_recovery")[0]["reason"] == "no_consent"
    assert [r["step"] for r in only(out, journey="keywords")] == ["opt_out", "opt_in"]


def test_new_consent_after_start_allows_marketing_again(db_url):
    events = [
        store(),
        customer(sms_consent=True),
        inbound("STOP", at(9)),
        inbound("START", at(9, 30)),
        customer(sms_consent=True, when=at(9, 40)),
        cart("k1", at(12)),
    ]
    assert only(replay(db_url, events), journey="cart_recovery")[0]["status"] == "sent"


def test_help_gets_a_reply_with_the_store_name_and_how_to_stop(db_url):
    out = replay(db_url, [store(), customer(), inbound("help", at(10))])
    reply = only(out, journey="keywords", step="help")[0]
    assert reply["status"] == "sent"
    assert "Acme" in reply["body"] and "回T退订" in reply["body"]


def test_other_replies_do_nothing(db_url):
    assert replay(db_url, [store(), customer(), inbound("stop it please", at(10))]) == []


def test_three_sms_per_customer_per_24h(db_url):
    events = [store(), customer()] + [order(f"o{i}", at(10, i)) for i in range(4)]
    out = replay(db_url, events)
    first = only(out, step="first")
    assert [r["status"] for r in first] == ["sent", "sent", "sent", "suppressed"]
    assert first[3]["reason"] == "frequency_cap"


def test_keyword_replies_do_not_count_against_the_cap(db_url):
    events = [store(), customer(), inbound("HELP", at(9)), inbound("HELP", at(9, 1))]
    events += [order(f"o{i}", at(10, i)) for i in range(3)]
    out = replay(db_url, events)
    assert [r["status"] for r in only(out, step="first")] == ["sent", "sent", "sent"]


def test_budget_suppresses_marketing_but_not_service_and_alerts_once(db_url):
    events = [
        store(monthly_sms_budget="0.10"),
        customer("c1", sms_consent=True),
        customer("c2", phone="+8613800138001", sms_consent=True),
        order("o1", at(9, 30)),
        order("o2", at(9, 31), cid="c2"),
        cart("k1", at(11)),
        order("o3", at(12), cid="c2"),
    ]
    out = replay(db_url, events)
    assert [r["status"] for r in only(out, journey="payment_reminder", step="first")] == [
        "sent",
        "sent",
        "sent",
    ]
    assert only(out, journey="cart_recovery")[0]["reason"] == "budget_exhausted"
    alerts = only(out, channel="alert")
    assert len(alerts) == 1
    assert alerts[0]["to"] == "merchant"
    assert (alerts[0]["journey"], alerts[0]["step"]) == ("budget_watch", "budget_exhausted")
    assert alerts[0]["subject"] == "store:acme:2026-11"
    assert "0.10" in alerts[0]["body"]


def test_holdout_is_stable_and_recorded(db_url):
    overrides = {"payment_reminder": {"holdout": 0.5}}
    events = [store(journeys=overrides), customer()]
    events += [order(f"o{i}", at(10 + i * 8)) for i in range(12)]
    out = replay(db_url, events)
    first = only(out, step="first")
    held = {r["subject"] for r in first if r["reason"] == "holdout"}
    assert 0 < len(held) < 12
    again = replay(db_url, events)
    assert {r["subject"] for r in only(again, step="first") if r["reason"] == "holdout"} == held


def test_invalid_phone_is_suppressed_as_invalid_recipient(db_url):
    out = replay(db_url, [store(), customer(phone="+86123"), order("o1", at(10))])
    first = only(out, step="first")[0]
    assert (first["status"], first["reason"], first["to"]) == (
        "suppressed",
        "invalid_recipient",
        None,
    )


def test_national_numbers_are_read_in_the_stores_region(db_url):
    out = replay(db_url, [store(), customer(phone="138 0013 8000"), order("o1", at(10))])
    assert only(out, step="first")[0]["to"] == "+8613800138000"


def test_segments_and_cost(db_url):
    out = replay(db_url, [store(sms_price="0.07"), customer(locale="en"), order("o1", at(10))])
    first = only(out, step="first")[0]
    assert first["segments"] >= 1
    from decimal import Decimal

    assert Decimal(first["cost"]) == first["segments"] * Decimal("0.07")


def test_templates_in_the_customers_locale_with_signature(db_url):
    events = [
        store(),
        customer("c1", locale="en"),
        customer("c2", phone="+8613800138001", locale="ru"),
        customer("c3", phone="+8613800138002"),
        order("o1", at(10)),
        order("o2", at(10), cid="c2"),
        order("o3", at(10), cid="c3"),
    ]
    bodies = {r["subject"]: r["body"] for r in only(replay(db_url, events), step="first")}
    assert bodies["order:o1"].startswith("【Acme】Your order o1")
    assert bodies["order:o2"].startswith("【Acme】Заказ o2")
    assert bodies["order:o3"].startswith("【Acme】您的订单o3")
    assert not any("STOP" in b or "回T退订" in b for b in bodies.values())  # service: no hint


def test_marketing_hint_in_english_and_russian(db_url):
    events = [
        store(),
        customer("c1", locale="en", sms_consent=True),
        customer("c2", phone="+8613800138001", locale="ru", sms_consent=True),
        cart("k1", at(10)),
        cart("k2", at(10), cid="c2"),
    ]
    bodies = {
        r["subject"]: r["body"] for r in only(replay(db_url, events), journey="cart_recovery")
    }
    assert bodies["cart:k1"].endswith("Reply STOP to opt out")
    assert bodies["cart:k2"].endswith("Отписка: СТОП")


def test_store_overrides_enabled_delays_and_templates(db_url):
    overrides = {
        "payment_reminder": {
            "delays": {"first": "45m"},
            "templates": {"first": {"zh-CN": "请付款{{ links.pay }}"}},
        },
        "cart_recovery": {"enabled": False},
    }
    events = [
        store(journeys=overrides),
        customer(sms_consent=True),
        order("o1", at(10)),
        cart("k1", at(12)),
    ]
    out = replay(db_url, events)
    first = only(out, step="first")[0]
    assert first["due_at"] == "2026-11-11T10:45:00+08:00"
    assert first["body"].startswith("【Acme】请付款https://acme.example/l/")
    assert only(out, journey="cart_recovery") == []


def test_duplicate_events_are_ignored(db_url):
    dup = order("o1", at(10), id_="same")
    out = replay(db_url, [store(), customer(), dup, dict(dup)])
    assert len(only(out, step="first")) == 1


def test_events_of_every_other_type_are_accepted(db_url):
    events = [
        store(),
        customer(),
        order("o1", at(10), status="paid"),
        event(
            "order.shipped",
            at(11),
            order_id="o1",
            shipment_id="s1",
            carrier="SF",
            tracking_number="SF1",
        ),
        event(
            "shipment.checkpoint",
            at(12),
            shipment_id="s1",
            carrier="SF",
            tracking_number="SF1",
            status="in_transit",
            location="Hangzhou",
            message="collected",
        ),
        event(
            "review.posted",
            at(13),
            review_id="r1",
            order_id="o1",
            customer_id="c1",
            rating=5,
            text="good",
        ),
    ]
    out = replay(db_url, events)
    assert [(m["journey"], m["step"], m["status"]) for m in out] == [
        ("shipping_notice", "shipped", "sent"),
        ("review_reply", "good", "sent"),
        ("delivery_watch", "stalled", "sent"),  # in transit, then 72 h without news
    ]


def test_batch_size_changes_nothing(db_url, tmp_path):
    events = [
        store(),
        customer("c1", sms_consent=True),
        customer("c2", phone="+8613800138001", locale="en"),
    ]
    for i in range(12):
        events += [
            order(f"o{i}", at(8 + i, 7 * i % 50), cid=f"c{1 + i % 2}"),
            cart(f"k{i}", at(9 + i), cid=f"c{1 + i % 2}"),
        ]
        if i % 3 == 0:
            events.append(paid(f"o{i}", at(8 + i, 40)))
    events.append(inbound("STOP", at(15, 30), sender="+8613800138001"))
    big = replay(str(tmp_path / "big.db"), events)
    small = replay(db_url, events, batch=1)
    assert len(big) > 20
    assert small == big


def test_forgetting_the_world_between_batches_changes_nothing(db_url, tmp_path, monkeypatch):
    from tidings.services import replay as replay_service

    events = [store(), customer("c1", sms_consent=True)]
    for i in range(8):
        events += [order(f"o{i}", at(8 + i)), cart(f"k{i}", at(9 + i, 30))]
    events.append(paid("o3", at(12)))
    kept = replay(str(tmp_path / "kept.db"), events, batch=2)
    monkeypatch.setattr(replay_service, "WORLD_LIMIT", 0)
    forgot = replay(db_url, events, batch=2)
    assert len(kept) > 10
    assert forgot == kept


def test_suppressed_messages_show_their_text_but_cost_nothing(db_url):
    out = replay(
        db_url,
        [store(), customer(), cart("k1", at(10)), order("o1", at(12)), paid("o1", at(12, 5))],
    )
    no_consent = only(out, journey="cart_recovery")[0]
    assert no_consent["reason"] == "no_consent"
    assert no_consent["body"].startswith("【Acme】") and no_consent["segments"] == 1
    assert no_consent["cost"] == "0"
    cleared = only(out, journey="payment_reminder")[0]
    assert cleared["reason"] == "condition_cleared"
    assert (cleared["body"], cleared["segments"], cleared["cost"]) == (None, 0, "0")
    assert cleared["to"] == "+8613800138000"


def test_a_reply_from_a_number_that_is_no_phone_is_not_answered(db_url):
    out = replay(db_url, [store(), inbound("HELP", at(10), sender="+86123")])
    assert [(r["journey"], r["status"], r["reason"]) for r in out] == [
        ("keywords", "suppressed", "invalid_recipient")
    ]


def test_a_journey_cap_longer_than_a_day_looks_back_that_far(db_url, tmp_path):
    mine = tmp_path / "thanks.toml"
    mine.write_text(
        """
[paid_thanks]
kind = "service"
trigger = "order.created"
subject = "order"
where = [{ field = "event.status", eq = "paid" }]
[[paid_thanks.steps]]
name = "thanks"
at = "trigger + 1h"
cap = "48h"
template.zh-CN = "谢谢"
""",
        encoding="utf-8",
    )
    events = [store(), customer()]
    events += [order(f"o{i}", at(10 + 30 * i), status="paid") for i in range(3)]
    out = replay(db_url, events, journeys=mine, batch=1)
    rows = [(r["subject"], r["status"], r["reason"]) for r in only(out, journey="paid_thanks")]
    assert rows == [
        ("order:o0", "sent", None),
        ("order:o1", "suppressed", "frequency_cap"),
        ("order:o2", "sent", None),
    ]
