"""A store's own frequency caps: an optional `caps` object on store.upserted, each cap in its
range or refused by name, absent ones the contract's (1 marketing, 3 of any kind in 24 h)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tidings.adapters.contract import parse_line
from tidings.domain.errors import InvalidEvent
from tidings.domain.state import Store, apply_store

BASE = {"name": "Acme", "timezone": "Asia/Shanghai", "locale": "zh-CN",
        "default_region": "CN", "currency": "CNY"}  # fmt: skip


def _upsert(caps=None, ident="s1"):  # type: ignore[no-untyped-def]
    data = BASE if caps is None else {**BASE, "caps": caps}
    line = {"id": ident, "type": "store.upserted", "store": "acme",
            "occurred_at": "2026-11-11T00:00:00+08:00", "data": data}  # fmt: skip
    return parse_line(json.dumps(line), "line 3")


def _folded(caps=None) -> Store:  # type: ignore[no-untyped-def]
    store = Store("acme")
    event = _upsert(caps)
    apply_store(store, event.data, event.occurred_at)
    return store


def test_without_caps_a_store_keeps_the_contracts():
    store = _folded()
    assert (store.marketing_per_day, store.any_per_day, store.caps) == (1, 3, {})


def test_both_caps_are_kept():
    store = _folded({"marketing_per_day": 2, "any_per_day": 5})
    assert (store.marketing_per_day, store.any_per_day) == (2, 5)


def test_one_cap_given_leaves_the_other_the_contracts():
    store = _folded({"marketing_per_day": 0})
    assert (store.marketing_per_day, store.any_per_day, store.caps) == (
        0,
        3,
        {"marketing_per_day": 0},
    )


def test_a_later_upsert_without_caps_gives_the_contracts_back():
    store = _folded({"any_per_day": 9})
    later = _upsert(None, "s2")
    apply_store(store, later.data, datetime(2026, 11, 12, tzinfo=UTC))
    assert (store.marketing_per_day, store.any_per_day) == (1, 3)


@pytest.mark.parametrize("value", [0, 20])
def test_marketing_per_day_takes_0_to_20(value):
    assert _folded({"marketing_per_day": value}).marketing_per_day == value


@pytest.mark.parametrize("value", [1, 50])
def test_any_per_day_takes_1_to_50(value):
    assert _folded({"any_per_day": value}).any_per_day == value


@pytest.mark.parametrize(
    ("caps", "field", "reason"),
    [
        ({"marketing_per_day": 21}, "data.caps.marketing_per_day", "must be 0-20"),
        ({"marketing_per_day": -1}, "data.caps.marketing_per_day", "must be 0-20"),
        ({"any_per_day": 0}, "data.caps.any_per_day", "must be 1-50"),
        ({"any_per_day": 51}, "data.caps.any_per_day", "must be 1-50"),
        ({"any_per_day": "3"}, "data.caps.any_per_day", None),
        ({"any_per_day": 2.5}, "data.caps.any_per_day", None),
        ({"marketing_per_day": True}, "data.caps.marketing_per_day", None),
        (7, "data.caps", None),
    ],
)
def test_a_cap_out_of_its_range_or_no_whole_number_is_refused_by_name(caps, field, reason):
    with pytest.raises(InvalidEvent) as info:
        _upsert(caps)
    assert info.value.field == field
    assert str(info.value).startswith("line 3, event 's1'")
    if reason is not None:
        assert reason in str(info.value)
