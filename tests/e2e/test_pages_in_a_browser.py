"""The shopper's pages in a real browser (Debian's Chromium driven by Playwright), on a phone's
screen: a short link opens the parcel's tracking page, in the store's locale, with nothing to
scroll sideways.

Chromium comes from the system (`apt-get install chromium`); without it these tests are
skipped, except under CI=true, where `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from fakes_providers import ScriptedProvider
from helpers import Clock, at, checkpoint, customer, live, order, post, rounds, shipped, store
from smsc import free_port
from tidings.entrypoints.api.app import create_app

CHROMIUM = os.environ.get("TIDINGS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True}


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI=true: none at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, object, ScriptedProvider]]:  # type: ignore[no-untyped-def]
    """The live app served on loopback by uvicorn, as `tidings serve` serves it."""
    port, provider = free_port(), ScriptedProvider()
    base = f"http://127.0.0.1:{port}"
    app = live(str(tmp_path / "t.db"), Clock(at(10)), {"file": provider}, public_url=base)
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield base, app, provider
    server.should_exit = True
    thread.join(10)
    app.close()


def _waiting_parcel(base: str) -> list[dict]:
    address = "北京市朝阳区望京街道阜通东大街6号院3号楼一层"
    pickup = {"point": "菜鸟驿站（望京店）", "address": address, "code": "5-2-1017",
              "storage_until": at(24 * 3 + 18).isoformat()}  # fmt: skip
    return [
        store(base_url=base),
        customer(when=at(-23)),
        order("o1", at(9), status="paid"),
        shipped("o1", "s1", at(10)),
        checkpoint("s1", "in_transit", at(10, 30), order_id="o1", location="杭州转运中心"),
        checkpoint("s1", "available_for_pickup", at(11), order_id="o1", pickup=pickup),
    ]


def test_a_short_link_opens_the_tracking_page_readable_on_a_phone(site, browser, tmp_path):
    base, app, provider = site
    post(app, _waiting_parcel(base))
    app.clock.now = at(12)  # type: ignore[attr-defined]
    rounds(app)
    notice = next(o for o in provider.sent if "物流" in o.body)
    link = notice.body.rsplit("：", 1)[1]
    assert link.startswith(f"{base}/l/")
    page = browser.new_page(**PHONE)  # type: ignore[attr-defined]
    page.goto(link)
    assert page.url.startswith(f"{base}/t/acme/s1?k=")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#status").inner_text() == "待取件"
    assert page.locator("#code").inner_text() == "5-2-1017"
    assert page.locator("#until").inner_text() == "2026-11-14 18:00"
    assert page.locator("#milestones li").count() == 2
    assert "杭州转运中心" in page.locator("#milestones").inner_text()
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, "the page scrolls sideways on a phone"
    page.screenshot(path=str(tmp_path / "tracking.png"), full_page=True)
    rounds(app)
    with app.db.connect() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() == 1


def test_a_tracking_page_without_its_key_shows_nothing_of_the_parcel(site, browser):
    base, app, _ = site
    post(app, _waiting_parcel(base))
    rounds(app)
    page = browser.new_page(**PHONE)  # type: ignore[attr-defined]
    answer = page.goto(f"{base}/t/acme/s1?k=guessed")
    assert answer.status == 404 and "5-2-1017" not in page.content()


def test_the_page_speaks_the_shoppers_language_where_it_differs_from_the_stores(site, browser):
    base, app, provider = site
    day = _waiting_parcel(base)
    day[1] = customer(when=at(-23), locale="ru", timezone="Europe/Moscow")
    post(app, day)
    app.clock.now = at(16)  # 11:00 in Moscow: its quiet hours are over
    rounds(app)
    notice = next(o for o in provider.sent if "/l/" in o.body and "SF" in o.body)
    page = browser.new_page(**PHONE)  # type: ignore[attr-defined]
    page.goto(notice.body.rsplit(" ", 1)[1])
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#status").inner_text() == "Ждёт получения"
    assert page.locator("#until").inner_text() == "2026-11-14 13:00"  # 18:00 Shanghai, Moscow


def test_the_pages_style_holds_under_their_policy_and_nothing_is_refused(site, browser):
    base, app, provider = site
    post(app, _waiting_parcel(base))
    rounds(app)
    page = browser.new_page(**PHONE)  # type: ignore[attr-defined]
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    notice = next(o for o in provider.sent if "物流" in o.body)
    answer = page.goto(notice.body.rsplit("：", 1)[1])
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    code = page.locator("#code")
    assert code.evaluate("e => getComputedStyle(e).fontWeight") == "700"  # from pages.css
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 245, 244)"
    assert refused == []
