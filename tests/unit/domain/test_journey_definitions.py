from datetime import UTC, datetime, timedelta

import pytest

from tidings.domain.catalogue import catalogue_from_dict, check_overrides
from tidings.domain.conditions import parse_condition
from tidings.domain.errors import InvalidJourney
from tidings.domain.journeys import journey_from_dict, next_step, parse_time, with_overrides
from tidings.domain.messages import held_out, message_id

T0 = datetime(2026, 11, 11, tzinfo=UTC)


def _journey(**over):
    raw = {
        "kind": "service",
        "trigger": "order.created",
        "subject": "order",
        "steps": [
            {"name": "a", "at": "trigger + 30m", "template": {"en": "x"}},
            {
                "name": "b",
                "at": "order.close - 2h",
                "at_default": "trigger + 22h",
                "min_gap": "60m",
                "template": {"en": "y"},
            },
        ],
    }
    raw.update(over)
    return journey_from_dict("j", raw)


def test_time_expressions():
    assert parse_time("trigger + 30m", "x").at({"trigger": T0}) == T0 + timedelta(minutes=30)
    assert parse_time("order.close - 2h", "x").at({"order": {"close": T0}}) == T0 - timedelta(
        hours=2
    )
    assert parse_time("order.close", "x").at({"order": None}) is None
    with pytest.raises(InvalidJourney):
        parse_time("trigger plus 3", "x")


def test_next_step_uses_the_default_anchor_and_the_min_gap():
    j = _journey()
    ctx = {
        "trigger": T0,
        "order": {"close": None},
        "previous": T0 + timedelta(minutes=30),
        "previous_due": T0 + timedelta(minutes=30),
    }
    assert next_step(j, "a", ctx) == ("b", T0 + timedelta(hours=22))
    ctx["order"] = {"close": T0 + timedelta(hours=3)}  # b at +1h: only 30 min after a
    assert next_step(j, "a", ctx) is None
    assert next_step(j, "b", ctx) is None


def test_repeating_step_stops_an_hour_before_the_next():
    j = _journey(
        steps=[
            {"name": "r", "at": "trigger", "repeat": "48h", "template": {"en": "r"}},
            {"name": "final", "at": "p.until - 24h", "template": {"en": "f"}},
        ]
    )
    ctx = {
        "trigger": T0,
        "p": {"until": T0 + timedelta(days=5)},
        "previous": T0,
        "previous_due": T0,
    }
    assert next_step(j, "r", ctx) == ("r.2", T0 + timedelta(hours=48))
    ctx["previous_due"] = T0 + timedelta(hours=48)
    assert next_step(j, "r.2", ctx) == ("final", T0 + timedelta(days=4))


def test_a_repeating_step_that_would_fall_within_the_hour_of_the_next_is_skipped():
    j = _journey(
        steps=[
            {"name": "first", "at": "trigger", "template": {"en": "1"}},
            {"name": "r", "at": "previous + 48h", "repeat": "48h", "template": {"en": "r"}},
            {"name": "final", "at": "p.until - 24h", "template": {"en": "f"}},
        ]
    )
    ctx = {"trigger": T0, "p": {"until": T0 + timedelta(days=3)}, "previous": T0}
    ctx["previous_due"] = T0
    assert next_step(j, "first", ctx) == ("final", T0 + timedelta(days=2))
    ctx["p"] = {"until": T0 + timedelta(days=4)}
    assert next_step(j, "first", ctx) == ("r", T0 + timedelta(days=2))


def test_steps_with_triggers_of_their_own_stand_alone():
    j = _journey(
        trigger=None,
        steps=[
            {"name": "a", "at": "trigger", "trigger": "x.one", "template": {"en": "a"}},
            {"name": "b", "at": "trigger", "trigger": "x.two", "template": {"en": "b"}},
            {"name": "c", "at": "trigger + 1h", "trigger": "x.two", "template": {"en": "c"}},
        ],
    )
    assert j.triggers == {"x.one", "x.two"}
    assert [s.name for s in j.entries("x.two")] == ["b", "c"]
    assert j.entries("order.created") == []
    ctx = {"trigger": T0, "previous": T0, "previous_due": T0}
    assert next_step(j, "a", ctx) is None
    chained = _journey()
    assert [s.name for s in chained.entries("order.created")] == ["a"]
    assert chained.entries("x.one") == []


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"kind": "loud"}, "kind"),
        ({"subject": "planet"}, "subject"),
        ({"steps": []}, "at least one step"),
        ({"steps": [{"name": "a", "at": "trigger"}]}, "template"),
        (
            {
                "steps": [
                    {"name": "a", "at": "trigger", "channel": "pigeon", "template": {"en": "x"}}
                ]
            },
            "channel",
        ),
        ({"holdout": 0.9}, "holdout"),
        (
            {
                "steps": [
                    {"name": "a", "at": "trigger", "trigger": "x.y", "template": {"en": "x"}},
                    {"name": "b", "at": "trigger", "template": {"en": "y"}},
                ]
            },
            "every step a trigger of its own, or none",
        ),
        ({"trigger": None}, "trigger must name an event type"),
        ({"exit_if": [{"field": "order.paid_at", "like": 1}]}, "condition"),
    ],
)
def test_bad_definitions_say_what_is_wrong(raw, words):
    with pytest.raises(InvalidJourney, match=words):
        _journey(**raw)


def test_conditions_compare_fields_and_literals():
    ctx = {"cart": {"updated_at": T0, "item_count": 0}, "customer": {"last_order_at": T0}}
    assert parse_condition(
        {"field": "customer.last_order_at", "gte": "@cart.updated_at"}, "x"
    ).holds(ctx)
    assert parse_condition({"field": "cart.item_count", "eq": 0}, "x").holds(ctx)
    assert not parse_condition({"field": "cart.missing", "set": True}, "x").holds(ctx)
    assert parse_condition({"field": "cart.item_count", "in": [0, 1]}, "x").holds(ctx)
    assert not parse_condition({"field": "nobody.at", "gt": "@cart.updated_at"}, "x").holds(ctx)


def test_overrides():
    j = with_overrides(
        _journey(),
        {"enabled": False, "holdout": 0.2, "delays": {"a": "45m"}, "templates": {"a": {"ru": "z"}}},
    )
    assert not j.enabled and j.holdout == 0.2
    assert j.steps[0].at.offset == timedelta(minutes=45)
    assert dict(j.steps[0].template) == {"en": "x", "ru": "z"}
    cat = catalogue_from_dict(
        {
            "j": {
                "kind": "service",
                "trigger": "order.created",
                "subject": "order",
                "steps": [{"name": "a", "at": "trigger", "template": {"en": "x"}}],
            }
        }
    )
    with pytest.raises(InvalidJourney, match="no such journey"):
        check_overrides(cat, {"nope": {}})
    with pytest.raises(InvalidJourney, match="unknown override"):
        check_overrides(cat, {"j": {"colour": "red"}})


def test_holdout_is_a_stable_share():
    subjects = [f"order:{i}" for i in range(4000)]
    held = [s for s in subjects if held_out("payment_reminder", s, 0.25)]
    assert 800 < len(held) < 1200
    assert held == [s for s in subjects if held_out("payment_reminder", s, 0.25)]
    assert not any(held_out("payment_reminder", s, 0.0) for s in subjects)


def test_message_ids_follow_the_dedupe_key():
    assert message_id("a", "j", "s", "order:1") == message_id("a", "j", "s", "order:1")
    assert message_id("a", "j", "s", "order:1") != message_id("b", "j", "s", "order:1")
