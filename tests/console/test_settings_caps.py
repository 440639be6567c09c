"""Caps on the Settings screen: the owner changes the store's frequency caps through one
store.upserted (its `caps`), the next decisions follow them and a replay of the store's events
agrees; staff cannot change them; a bad cap is named and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from console.html_tree import parse
from console.test_settings import PAGE, _comparable, _form, _history, _save, _upserts
from helpers import at, customer, order, post, replay, rounds
from tidings.adapters.db import tables as t
from tidings.services.queries import message_line


def test_the_caps_are_shown_as_the_rule_until_the_store_sets_its_own(console):
    console.sign_in()
    page = console.get(PAGE)
    assert page.one("#marketing_per_day").attrs["value"] == "1"
    assert page.one("#any_per_day").attrs["value"] == "3"
    assert page.one("#caps").text.startswith(
        "Now: at most 1 marketing SMS and 3 SMS of any kind per shopper in 24 hours."
    )


def test_the_caps_read_in_russian_and_chinese(console):
    console.sign_in()
    ru = console.get(PAGE, lang="ru").one("#caps").text
    assert ru.startswith("Сейчас: рекламных СМС одному покупателю за 24 часа — не больше 1")
    zh = console.get(PAGE, lang="zh-CN")
    assert zh.one("#h-caps").text == "发送上限"
    assert zh.one("#caps").text.startswith("当前：每位顾客 24 小时内最多 1 条营销短信、共 3 条短信")


def test_the_owner_raises_the_cap_the_next_decisions_follow_and_a_replay_agrees(console, tmp_path):
    console.sign_in()
    form = _form(console.get(PAGE)) | {"any_per_day": ["4"], "marketing_per_day": ["2"]}
    assert _save(console, form).headers["location"].endswith("&saved=yes")
    change = _upserts(console)[-1]
    assert change["data"]["caps"] == {"marketing_per_day": 2, "any_per_day": 4}
    page = console.get(PAGE, lang="zh-CN")
    (row,) = page.select("#history tr.change")
    assert row.one(".who").text == "owner@acme.example"
    assert [li.attrs["data-field"] for li in row.select("li")] == [
        "caps.marketing_per_day", "caps.any_per_day"
    ]  # fmt: skip
    assert page.one("#any_per_day").attrs["value"] == "4"
    post(console.app, [customer("c2", "+8613900139000", at(10))]
         + [order(f"p{i}", at(10), cid="c2") for i in range(5)])  # fmt: skip
    rounds(console.app)
    console.clock.advance(minutes=30)  # 10:30: the five reminders are due
    rounds(console.app)
    live = _reminders(console)
    assert sorted((m["status"], m["reason"]) for m in live) == [("sent", None)] * 4 + [
        ("suppressed", "frequency_cap")
    ]
    with console.app.db.connect() as conn:
        payloads = conn.execute(select(t.events.c.payload).where(t.events.c.store_id == "acme"))
        events = [json.loads(p) for p in payloads.scalars()]
    replayed = [
        m
        for m in replay(str(tmp_path / "replay.db"), events, until=console.clock())
        if m["subject"].startswith("order:p") and m["step"] == "first"
    ]
    assert [(m["subject"], *_comparable(m)) for m in sorted(replayed, key=_subject)] == [
        (m["subject"], *_comparable(m)) for m in live
    ]


def _reminders(console: Any) -> list[dict[str, Any]]:
    found = [m for m in console.app.decided(["acme"]) if m.subject.startswith("order:p")]
    lines = [message_line(m, "Asia/Shanghai") for m in found if m.step == "first"]
    return sorted(lines, key=_subject)


def _subject(line: dict[str, Any]) -> str:
    return str(line["subject"])


def test_emptying_a_cap_gives_the_rule_back(console):
    console.sign_in()
    _save(console, _form(console.get(PAGE)) | {"marketing_per_day": ["5"]})
    _save(console, _form(console.get(PAGE)) | {"marketing_per_day": [""]})
    assert "caps" not in _upserts(console)[-1]["data"]
    assert console.get(PAGE).one("#marketing_per_day").attrs["value"] == "1"


def test_staff_cannot_change_the_caps(console):
    console.sign_in("staff@acme.example")
    page = console.get(PAGE)
    assert "disabled" in page.one("form.settings fieldset").attrs
    _save(console, _form(page) | {"any_per_day": ["9"]}, status=403)
    assert len(_upserts(console)) == 1 and _history(console) == 0


BAD = [
    ("marketing_per_day", "21", "en",
     "Marketing SMS per shopper in 24 hours: give a whole number from 0 to 20"),
    ("marketing_per_day", "-1", "en",
     "Marketing SMS per shopper in 24 hours: give a whole number from 0 to 20"),
    ("any_per_day", "0", "en",
     "SMS of any kind per shopper in 24 hours: give a whole number from 1 to 50"),
    ("any_per_day", "2.5", "ru",
     "СМС любого вида одному покупателю за 24 часа: укажите целое число от 1 до 50"),
    ("any_per_day", "many", "zh-CN", "每位顾客 24 小时内各类短信总条数: 请填写 1 到 50 之间的整数"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "typed", "lang", "told"), BAD)
def test_a_bad_cap_is_named_and_nothing_changes(console, name, typed, lang, told):
    console.sign_in()
    form = _form(console.get(PAGE)) | {name: [typed], "quiet_start": ["22:00"]}
    page = parse(_save(console, form, status=422, lang=lang).text)
    assert page.texts("#problems li") == [told]
    assert page.one("#problems li").attrs["data-field"] == name
    field = page.one(f"#{name}")
    assert field.attrs["value"] == typed and field.attrs["aria-invalid"] == "true"
    assert len(_upserts(console)) == 1 and _history(console) == 0
