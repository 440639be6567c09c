"""Which language a page speaks: the choice made, else the browser's, else the store's."""

from __future__ import annotations

import pytest

from tidings.entrypoints.console.web import browser


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, zh-TW;q=0.9", "zh-CN"),  # by weight, not by order
        ("de, fr;q=0.8", None),
        ("", None),
        ("ru;q=x, en", "en"),  # a weight that is no number drops its language only
    ],
)
def test_the_browsers_first_language_the_console_speaks(header, lang):
    assert browser(header) == lang


def test_a_browser_language_the_console_lacks_falls_back_to_the_stores(console):
    console.sign_in()
    assert console.get("/console/acme/alerts", lang="zh-CN", **{"Accept-Language": "de"})


def test_a_choice_is_kept_in_a_cookie_and_beats_the_browser(console):
    console.sign_in()
    page = console.get("/console/acme/?from=2026-11-11&to=2026-11-11&lang=ru", lang="ru")
    assert console.client.cookies.get("lang") == "ru"
    again = console.client.get("/console/acme/alerts", headers={"Accept-Language": "en"})
    assert 'lang="ru"' in again.text
    links = {a.attrs["hreflang"]: a.attrs["href"] for a in page.select(".langs a")}
    assert links["zh-CN"] == "?from=2026-11-11&to=2026-11-11&lang=zh-CN"  # the period kept


def test_plurals_follow_the_language(console):
    console.sign_in()
    page = console.get("/console/acme/?from=2026-11-11&to=2026-11-11", lang="ru")
    assert page.one("[data-metric=alerts_open] .before").text == "1 оповещение ждёт вас"
    page = console.get("/console/acme/?from=2026-11-11&to=2026-11-11", lang="en")
    assert page.one("[data-metric=alerts_open] .before").text == "1 alert waits for you"
