"""Settings: the owner changes them through a store.upserted as the API takes it (so a replay
of the store's events agrees), staff only look, bad input changes nothing and names the field,
the screen lists who changed what and when, and a step's text is counted as the owner types."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from console.html_tree import Node, parse
from helpers import at, customer, order, post, replay, rounds, store
from tidings.adapters.db import tables as t
from tidings.domain import sms
from tidings.services.texts import composed
from tidings.services.world import Keys

STEP = "payment_reminder.first"
PAGE = f"/console/acme/settings?step={STEP}"


def _form(page: Node) -> dict[str, list[str]]:
    """What the settings form would send as it stands (checked boxes only)."""
    out: dict[str, list[str]] = {}
    form = page.one("form.settings")
    for field in form.select("input[name]"):
        if field.attrs.get("type") == "checkbox" and "checked" not in field.attrs:
            continue
        out.setdefault(field.attrs["name"], []).append(field.attrs.get("value", ""))
    for area in form.select("textarea[name]"):
        raw = "".join(c for c in area.children if isinstance(c, str))
        out.setdefault(area.attrs["name"], []).append(raw.removeprefix("\n"))
    return out


def _text_of(form: dict[str, list[str]], locale: str, text: str) -> dict[str, list[str]]:
    texts = [
        text if loc == locale else old
        for loc, old in zip(form["locale"], form["text"], strict=True)
    ]
    return {**form, "text": texts}


def _upserts(console: Any) -> list[dict[str, Any]]:
    query = (
        select(t.events.c.payload)
        .where(t.events.c.store_id == "acme", t.events.c.type == "store.upserted")
        .order_by(t.events.c.occurred_at)
    )
    with console.app.db.connect() as conn:
        return [json.loads(p) for p in conn.execute(query).scalars()]


def _history(console: Any) -> int:
    with console.app.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.settings_changes)).scalar_one())


def _save(console: Any, form: dict[str, Any], status: int = 303, lang: str = "en") -> Any:
    headers = {"Accept-Language": lang}
    response = console.client.post(
        "/console/acme/settings", data=form, headers=headers, follow_redirects=False
    )
    assert response.status_code == status, response.text[:500]
    return response


def test_the_owner_sees_every_setting_in_russian(console):
    console.sign_in()
    page = console.get(PAGE, lang="ru")
    assert page.one("#quiet_start").attrs["value"] == "21:00"
    assert page.one("#quiet_end").attrs["value"] == "09:00"
    assert page.one("#sms_signature").attrs["value"] == "【Acme】"
    assert page.one("#caps").text.startswith(
        "Сейчас: рекламных СМС одному покупателю за 24 часа — не больше 1, СМС любого вида — не"
    )
    assert page.select("tr.journey[data-journey=payment_reminder] input[checked]")
    assert page.one("#h-texts span").text == "Напоминание об оплате · Первое напоминание"
    assert page.one("#h-texts span").attrs["data-step"] == STEP
    assert [a.attrs["lang"] for a in page.select("textarea")] == ["zh-CN", "en", "ru"]
    assert page.one("#save").text == "Сохранить настройки"
    assert page.one("a[aria-current=page]").text == "Настройки"


def test_the_owner_changes_quiet_hours_and_a_text_the_next_decision_follows_and_a_replay_agrees(
    console, tmp_path
):
    console.sign_in()
    form = _form(console.get(PAGE))
    form |= {"quiet_start": ["10:00"], "quiet_end": ["12:00"]}
    form = _text_of(form, "en", "Pay {{ order.order_id }} here: {{ links.pay }}")
    saved = _save(console, form)
    assert saved.headers["location"] == f"/console/acme/settings?step={STEP}&saved=yes"
    (_, change) = _upserts(console)
    assert change["occurred_at"] == console.clock().isoformat()
    assert change["data"]["quiet_hours"] == {"start": "10:00", "end": "12:00"}
    texts = change["data"]["journeys"]["payment_reminder"]["templates"]["first"]
    assert texts == {"en": "Pay {{ order.order_id }} here: {{ links.pay }}"}
    post(console.app, [customer("c2", "+8613900139000", at(10), locale="en"),
                       order("o5", at(10, 1), cid="c2")])  # fmt: skip
    rounds(console.app)
    console.clock.advance(minutes=31)  # 10:31: the reminder is due, inside the new quiet hours
    rounds(console.app)
    assert _reminder(console) is None
    console.clock.now = at(12)
    rounds(console.app)
    live = _reminder(console)
    assert (
        live is not None
        and live["status"] == "sent"
        and live["decided_at"].endswith("12:00:00+08:00")
    )
    assert live["body"].startswith("【Acme】Pay o5 here: ")
    with console.app.db.connect() as conn:
        payloads = conn.execute(select(t.events.c.payload).where(t.events.c.store_id == "acme"))
        events = [json.loads(p) for p in payloads.scalars()]
    replayed = [
        m for m in replay(str(tmp_path / "replay.db"), events) if m["subject"] == "order:o5"
    ]
    assert [_comparable(m) for m in replayed if m["step"] == "first"] == [_comparable(live)]


def _reminder(console: Any) -> dict[str, Any] | None:
    from tidings.services.queries import message_line

    found = [m for m in console.app.decided(["acme"]) if m.subject == "order:o5"]
    return message_line(found[0], "Asia/Shanghai") if found else None


def _comparable(line: dict[str, Any]) -> tuple[Any, ...]:
    """A decision without its link's token (signed with each database's own secret)."""
    body = re.sub(r"/l/\S+", "/l/…", line["body"] or "")
    return line["journey"], line["status"], line["reason"], line["due_at"], line["decided_at"], body


def test_journeys_turned_off_and_a_holdout_are_sent_as_overrides(console):
    console.sign_in()
    form = _form(console.get(PAGE))
    form["enabled"] = [j for j in form["enabled"] if j != "cart_recovery"]
    journeys = form["journey"]
    form["holdout"] = ["12,5" if j == "review_request" else h
                       for j, h in zip(journeys, form["holdout"], strict=True)]  # fmt: skip
    _save(console, form)
    overrides = _upserts(console)[-1]["data"]["journeys"]
    assert overrides == {"cart_recovery": {"enabled": False}, "review_request": {"holdout": 0.125}}
    page = console.get(PAGE)
    assert not page.select("tr.journey[data-journey=cart_recovery] input[checked]")
    assert (
        page.one("tr.journey[data-journey=review_request] input[name=holdout]").attrs["value"]
        == "12.5"
    )


def test_a_form_that_changes_nothing_sends_nothing(console):
    console.sign_in()
    saved = _save(console, _form(console.get(PAGE)))
    assert saved.headers["location"].endswith("&saved=nothing")
    assert len(_upserts(console)) == 1 and _history(console) == 0


def test_staff_see_the_settings_and_their_change_is_refused(console):
    console.sign_in("staff@acme.example")
    page = console.get(PAGE, lang="zh-CN")
    assert "disabled" in page.one("form.settings fieldset").attrs
    assert page.select("#save") == [] and page.one("#owner-only").text == "只有店主可以更改设置。"
    form = _form(page) | {"quiet_start": ["10:00"]}
    refused = _save(console, form, status=403, lang="ru")
    assert parse(refused.text).one("#problem").text == (
        "Это может только владелец магазина; ничего не изменено."
    )
    assert len(_upserts(console)) == 1 and _history(console) == 0


def test_another_stores_owner_finds_no_such_page(console):
    console.sign_in("owner@bolt.example")
    console.get("/console/acme/settings", status=404)
    response = console.client.post("/console/acme/settings", data={"quiet_start": "10:00"})
    assert response.status_code == 404
    assert len(_upserts(console)) == 1


@pytest.mark.parametrize("csrf", [None, "a" * 43])
def test_a_missing_or_stale_csrf_token_changes_nothing(console, csrf):
    console.sign_in()
    form = _form(console.get(PAGE)) | {"quiet_start": ["10:00"]}
    if csrf is None:
        del form["csrf"]
    else:
        form["csrf"] = [csrf]
    refused = _save(console, form, status=403, lang="zh-CN")
    assert (
        parse(refused.text).one("#problem").text == "表单已过期，未做任何更改。请刷新页面后重试。"
    )
    assert len(_upserts(console)) == 1 and _history(console) == 0


BAD = [
    ({"quiet_start": ["9pm"]}, "quiet_start",
     "Quiet hours start: write the time as hours and minutes, e.g. 21:00"),
    ({"quiet_end": ["24:00"]}, "quiet_end",
     "Quiet hours end: write the time as hours and minutes, e.g. 21:00"),
    ({"monthly_sms_budget": ["-5"]}, "monthly_sms_budget",
     "Monthly SMS budget: must not be negative"),
    ({"monthly_sms_budget": ["lots"]}, "monthly_sms_budget",
     "Monthly SMS budget: must be a number, e.g. 100.00"),
    ({"contact_phone": ["12"]}, "contact.1",
     "Merchant contact 1: give a phone number or an email address that can be read"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "told"), BAD)
def test_a_bad_field_is_named_and_nothing_changes(console, change, field, told):
    console.sign_in()
    form = _form(console.get(PAGE)) | change
    page = parse(_save(console, form, status=422).text)
    assert page.texts("#problems li") == [told]
    assert page.one("#problems li").attrs["data-field"] == field
    name = next(iter(change))
    typed = page.select(f"form.settings input[name={name}]")[0]
    assert typed.attrs["value"] == change[name][0] and typed.attrs["aria-invalid"] == "true"
    assert len(_upserts(console)) == 1 and _history(console) == 0


def test_a_template_that_does_not_render_is_named_in_chinese_and_nothing_changes(console):
    console.sign_in()
    form = _text_of(_form(console.get(PAGE)), "ru", "Заказ {{ order.order_id ждёт")
    form["holdout"] = ["80" if j == "review_request" else h
                       for j, h in zip(form["journey"], form["holdout"], strict=True)]  # fmt: skip
    response = _save(console, form, status=422, lang="zh-CN")
    page = parse(response.text)
    (told,) = page.select("#problems li")
    assert told.attrs["data-field"] == "holdout.review_request"  # form checks come first
    form["holdout"] = ["0" for _ in form["journey"]]
    page = parse(_save(console, form, status=422, lang="zh-CN").text)
    (told,) = page.select("#problems li")
    assert told.attrs["data-field"] == "text.ru"
    assert told.text.startswith("文案语言： Русский: 该文案不是可以生成的模板 (TemplateSyntaxError")
    assert page.one("#text-ru").attrs["aria-invalid"] == "true"
    assert "".join(c for c in page.one("#text-ru").children if isinstance(c, str)).strip() == (
        "Заказ {{ order.order_id ждёт"
    )
    assert len(_upserts(console)) == 1 and _history(console) == 0


def test_the_history_shows_who_changed_what_and_when_in_the_stores_zone(console):
    console.sign_in()
    form = _form(console.get(PAGE)) | {"monthly_sms_budget": ["100"]}
    _save(console, _text_of(form, "zh-CN", "订单{{ order.order_id }}待付款：{{ links.pay }}"))
    page = console.get(PAGE, lang="zh-CN")
    (row,) = page.select("#history tr.change")
    assert row.one(".who").text == "owner@acme.example"
    assert row.one(".at").text == "2026/11/11 10:00"  # 02:00 UTC, in Shanghai
    assert [li.attrs["data-field"] for li in row.select("li")] == [
        "monthly_sms_budget", "journeys.payment_reminder.templates.first.zh-CN"
    ]  # fmt: skip
    assert row.texts("li") == ["每月短信预算", "付款提醒 · 首次提醒 – 文案语言： 中文"]
    month = console.app.report("acme", date(2026, 11, 1), date(2026, 11, 11))["totals"]["cost"]
    assert Decimal(month) > 0 and page.one("#spent").attrs["data-value"] == month
    assert page.one("#spent").text == f"¥{Decimal(month):.2f} / ¥100.00"


def test_a_change_waiting_for_the_worker_is_already_shown(console):
    console.sign_in()
    _save(console, _form(console.get(PAGE)) | {"quiet_start": ["22:30"]})
    assert console.get(PAGE).one("#quiet_start").attrs["value"] == "22:30"  # no round yet
    rounds(console.app)
    assert console.get(PAGE).one("#quiet_start").attrs["value"] == "22:30"


@pytest.mark.parametrize(
    ("locale", "text", "signature"),
    [("en", "Pay here", None), ("en", "x" * 150, "[Acme Tea House]"), ("zh-CN", "请付款", "")],
)
def test_the_segment_counter_counts_as_the_engine_sends(console, locale, text, signature):
    console.sign_in()
    params = {"step": STEP, "locale": locale, "text": text}
    if signature is not None:
        params["signature"] = signature
    answer = console.client.get("/console/acme/settings/segments", params=params,
                                headers={"Accept-Language": "en"})  # fmt: skip
    assert answer.status_code == 200
    body = composed(text, "【Acme】" if signature is None else signature, locale, False)
    want = sms.count(body)
    shown = parse(answer.text).one(f"output#count-{locale}")
    word = "segment" if want.segments == 1 else "segments"
    assert shown.text.startswith(f"{want.segments} {word} · {want.encoding.upper()[:3]}")
    assert f"characters: {want.units}" in shown.text
    assert shown.text.endswith(f"CN¥{0.05 * want.segments:.2f}")


def test_the_counter_of_no_such_step_is_not_found(console):
    console.sign_in()
    params = {"step": "nope.first", "locale": "en", "text": "x"}
    answer = console.client.get("/console/acme/settings/segments", params=params)
    assert answer.status_code == 404


def test_a_change_made_before_the_stores_last_upsert_comes_just_after_it(console):
    post(console.app, [store(at(20), name="Acme later")])  # an upsert dated after the clock
    rounds(console.app)
    console.sign_in()
    _save(console, _form(console.get(PAGE)) | {"quiet_start": ["22:30"]})
    occurred = datetime.fromisoformat(_upserts(console)[-1]["occurred_at"])
    assert occurred == at(20) + timedelta(milliseconds=1)
    rounds(console.app)
    with console.app.unit_of_work() as uow:
        kept = uow.state.load(Keys(stores={"acme"})).store("acme")
    assert (kept.quiet_start, kept.name) == ("22:30", "Acme later")


def test_merchant_contacts_are_kept_as_typed_when_they_can_be_read(console):
    console.sign_in()
    form = _form(console.get(PAGE))
    form |= {"contact_phone": ["139 1111 0000", ""], "contact_email": ["", "ops@acme.example"]}
    _save(console, form)
    contacts = _upserts(console)[-1]["data"]["merchant_contacts"]
    assert contacts == [{"phone": "139 1111 0000"}, {"email": "ops@acme.example"}]
    page = console.get(PAGE)
    assert [i.attrs["value"] for i in page.select("input[name=contact_phone]")] == [
        "139 1111 0000", "", ""
    ]  # fmt: skip
