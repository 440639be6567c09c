"""Human words instead of code names: each built-in journey and step has a name in every
language of the console, a seller's own journey keeps its name as written, and a message's
subject reads "Order o1" with a link to the messages about it; the raw ids stay in data-*."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from console.html_tree import parse
from tidings.adapters.journeys_loader import builtin
from tidings.entrypoints.console.web import environment

DAY = "from=2026-11-11&to=2026-11-11"
PAYMENT = {"en": ("Payment reminder", "First reminder"),
           "ru": ("Напоминание об оплате", "Первое напоминание"),
           "zh-CN": ("付款提醒", "首次提醒")}  # fmt: skip
ORDER = {"en": "Order o2", "ru": "Заказ o2", "zh-CN": "订单 o2"}
ENGINES = {"keywords": ("opt_out", "opt_in", "help"), "budget_watch": ("budget_exhausted",),
           "template_watch": ("template_not_approved",)}  # fmt: skip


def _names(lang: str) -> Any:
    return environment(lang).get_template("_names.html").module


@pytest.mark.parametrize("lang", ["en", "ru", "zh-CN"])
def test_the_journeys_screen_names_each_journey_in_the_readers_language(console, lang):
    console.sign_in()
    page = console.get(f"/console/acme/journeys?{DAY}", lang=lang)
    names = {r.attrs["data-journey"]: r.one("th").text for r in page.select("#rows tr.journey")}
    assert names["payment_reminder"] == PAYMENT[lang][0]
    link = page.one("#rows tr.journey[data-journey=payment_reminder] th a").attrs["href"]
    assert link.startswith("/console/acme/journeys/payment_reminder?")


@pytest.mark.parametrize("lang", ["en", "ru", "zh-CN"])
def test_the_messages_screen_names_the_journey_the_step_and_the_order(console, lang):
    console.sign_in()
    page = console.get("/console/acme/messages?q=o2", lang=lang)
    rows = [r for r in page.select("#rows tr.message")
            if r.one(".journey").attrs["data-step"] == "first"]  # fmt: skip
    assert rows
    for row in rows:
        assert row.one(".journey").text == " · ".join(PAYMENT[lang])
        assert row.one(".journey").attrs["data-journey"] == "payment_reminder"
        assert row.one(".subject").text == ORDER[lang]
        assert row.one(".subject a").attrs["href"] == "/console/acme/messages?q=o2"


@pytest.mark.parametrize("lang", ["ru", "zh-CN"])
def test_one_message_names_its_journey_and_subject(console, lang):
    console.sign_in()
    listed = console.get("/console/acme/messages?q=o2")
    link = listed.select("#rows tr.message a")[0].attrs["href"]
    page = console.get(link, lang=lang)
    assert page.one("dd.journey").text.startswith(PAYMENT[lang][0] + " · ")
    assert page.one("dd.subject").text == ORDER[lang]


def test_the_journey_detail_names_its_steps(console):
    console.sign_in()
    page = console.get(f"/console/acme/journeys/payment_reminder?{DAY}", lang="ru")
    assert page.one("h1").text == "Напоминание об оплате"
    assert page.one("title").text.startswith("Напоминание об оплате")
    steps = {r.attrs["data-step"]: r.one("th").text for r in page.select("tr.step")}
    assert steps == {"first": "Первое напоминание", "last": "Последнее напоминание"}


def test_the_settings_screen_names_the_journeys_and_steps(console):
    console.sign_in()
    page = console.get("/console/acme/settings", lang="zh-CN")
    row = page.one("tr.journey[data-journey=cart_recovery]")
    assert row.one("th").text == "购物车挽回"
    options = {o.attrs["value"]: o.text for o in page.select("select[name=step] option")}
    assert options["payment_reminder.first"] == "付款提醒 · 首次提醒"


@pytest.mark.parametrize("lang", ["en", "ru", "zh-CN"])
def test_every_built_in_journey_and_step_has_a_name_in_each_language(lang):
    names = _names(lang)
    journeys = {j.name: tuple(s.name for s in j.steps) for j in builtin().journeys.values()}
    journeys |= ENGINES
    assert len(journeys) == 14
    for journey, steps in journeys.items():
        assert "translate" not in str(names.journey(journey)), journey
        for step in steps:
            assert "translate" not in str(names.step(journey, step)), f"{journey}.{step}"


def test_a_sellers_own_journey_and_step_keep_their_names_marked_untranslated():
    names = _names("ru")
    assert names.journey("spring_sale") == Markup('<span translate="no">spring_sale</span>')
    assert str(names.step("payment_reminder", "third")) == '<span translate="no">third</span>'


@pytest.mark.parametrize(
    ("lang", "subject", "said"),
    [
        ("en", "order:o1", "Order o1"),
        ("en", "cart:c1", "Cart c1"),
        ("en", "shipment:s1", "Parcel s1"),
        ("en", "customer:c0120:2027", "Customer c0120 (2027)"),
        ("ru", "customer:c0120:2027", "Покупатель c0120 (2027)"),
        ("zh-CN", "customer:c0120:2027", "顾客 c0120（2027）"),
        ("ru", "shipment:s1", "Посылка s1"),
        ("zh-CN", "cart:c1", "购物车 c1"),
        ("en", "review:r9", "Review r9"),
        ("ru", "ticket:t3", "Заявка t3"),
        ("en", "inbound:evt-7", "A shopper's reply"),
        ("en", "store:acme:2026-11", "The store's budget, 2026-11"),
        ("en", "store:acme:template:aliyun:payment_reminder.first:zh-CN",
         "The store's template for Payment reminder · First reminder"),
        ("en", "whatever:x", "whatever:x"),
    ],
)  # fmt: skip
def test_a_subject_is_said_in_words_its_id_kept(lang, subject, said):
    shown = parse(f"<p>{_names(lang).subject(subject)}</p>")
    assert shown.one("p").text == said
    assert shown.one(".subject-name").attrs["data-subject"] == subject


def test_a_subject_links_to_its_messages_where_the_search_finds_them():
    names = _names("en")
    linked = parse(f"<p>{names.subject('customer:c0120:2027', '/console/acme')}</p>")
    assert linked.one("a").attrs["href"] == "/console/acme/messages?q=c0120"
    unlinked = parse(f"<p>{names.subject('review:r9', '/console/acme')}</p>")
    assert unlinked.select("a") == []


@pytest.mark.parametrize(
    ("lang", "reason", "said"),
    [("en", "condition_cleared", "Its reason was gone"), ("ru", "frequency_cap",
      "Превышен лимит частоты"), ("zh-CN", "holdout", "对照组（不发送）"),
     ("en", "template_not_approved", "No approved template"), ("ru", "something_new",
      "something_new")],
)  # fmt: skip
def test_why_a_message_was_not_sent_is_said_in_words_its_code_kept(lang, reason, said):
    shown = parse(f"<p>{_names(lang).reason(reason)}</p>")
    assert shown.one("p").text == said
    assert shown.one("span[data-reason]").attrs["data-reason"] == reason


def test_every_reason_has_words_in_each_language():
    from tidings.domain.messages import REASONS

    for lang in ("en", "ru", "zh-CN"):
        for reason in REASONS:
            assert "translate" not in str(_names(lang).reason(reason)), (lang, reason)
