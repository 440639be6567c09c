"""The seller's console in a real browser (Debian's Chromium driven by Playwright) on the demo
store: sign in, every screen in every language with axe-core finding no serious or critical
violation, Chinese drawn with real glyphs, an alert acknowledged, a CSV downloaded, a settings
change (its segment counter following the typing), and the main paths by keyboard alone.
Each screen's screenshot is kept under test-artifacts/console/.

Chromium and the CJK fonts come from the system (`apt-get install chromium fonts-noto-cjk`),
axe-core from npm (`.ci/run` installs it in .ci/node); without them these tests are skipped,
except under CI=true.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from helpers import Clock, live
from smsc import free_port
from tidings.config import Settings
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.demo_cli import Made, make

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TIDINGS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(os.environ.get("TIDINGS_AXE") or ROOT / ".ci/node/node_modules/axe-core/axe.min.js")
ARTIFACTS = Path(os.environ.get("TIDINGS_ARTIFACTS") or ROOT / "test-artifacts") / "console"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
END = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
LANGUAGES = {"zh-CN": "首页", "en": "Home", "ru": "Главная"}  # the Home link's word in each
SCREENS = ("", "alerts", "messages", "journeys", "journeys/cart_recovery", "parcels", "score",
           "reviews", "settings")  # fmt: skip
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def _needed(path: Path, what: str) -> None:
    if path.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true: none at {path}")
    pytest.skip(f"no {what} at {path}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _needed(Path(CHROMIUM), "Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Made]]:
    """The demo store served on loopback by uvicorn, as `tidings demo` serves it."""
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    made = make(Settings(database_url=path), END)
    app = live(path, Clock(END), public_url=base, outbox=Path(path).with_suffix(".jsonl"))
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield base, made
    server.should_exit = True
    thread.join(10)
    app.close()


@pytest.fixture
def signed_in(browser, site) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A signed-in page, in a fresh context of each test's own."""
    yield lambda locale, **more: _signed_in(browser, site, locale, **more)


def _signed_in(browser: Any, site: tuple[str, Made], locale: str, **more: Any) -> Any:
    base, made = site
    context = browser.new_context(locale=locale, base_url=base, **more)
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#email", made.email)
    page.fill("#password", made.password)
    page.click("form[action='/console/login'] button[type=submit]")
    page.wait_for_url(f"**/console/{made.store}/")
    return page


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_screen_in_every_language_passes_axe(signed_in, site, locale):
    _needed(AXE, "axe-core (npm install --prefix .ci/node axe-core@4)")
    page = signed_in(locale, bypass_csp=True)  # axe is injected as a script of the page
    store = site[1].store
    page.goto(f"/console/{store}/messages")
    first_message = _first_message(page)
    for screen in (*SCREENS, first_message):
        page.goto(f"/console/{store}/{screen}")
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("nav.screens a").first.inner_text() == LANGUAGES[locale]
        _keep(page, f"{screen.replace('/', '-') or 'home'}.{locale}")
        assert _serious(page) == [], f"{screen or 'home'} in {locale}"


def test_chinese_is_drawn_with_real_glyphs(signed_in):
    """Missing fonts draw every character as the same empty box: two different words of the
    same length would then look alike."""
    page = signed_in("zh-CN")
    messages, journeys = page.locator("nav.screens a").nth(2), page.locator("nav.screens a").nth(3)
    assert (messages.inner_text(), journeys.inner_text()) == ("消息", "旅程")
    assert messages.screenshot() != journeys.screenshot()
    box = messages.bounding_box()
    assert box is not None and box["width"] > 20  # two glyphs, not nothing


def test_an_alert_is_acknowledged_from_the_list(signed_in, site):
    page = signed_in("en")
    page.goto(f"/console/{site[1].store}/alerts?state=open")
    row = page.locator("tr.alert.open").first
    alert_id = row.get_attribute("id")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"**/console/{site[1].store}/alerts")
    assert page.locator(f"#{alert_id}").get_attribute("class") == "alert acknowledged"
    assert page.locator(f"#{alert_id} .state").inner_text() == "Acknowledged"


def test_the_owner_changes_the_settings_and_the_counter_follows_the_typing(signed_in, site):
    page = signed_in("en")
    page.goto(f"/console/{site[1].store}/settings?step=payment_reminder.first")
    counter = page.locator("#count-en")
    before = counter.inner_text()
    page.fill("#text-en", "Pay {{ order.order_id }} now: {{ links.pay }} " + "Thank you! " * 12)
    page.wait_for_function("t => document.getElementById('count-en').innerText !== t", arg=before)
    # the demo's signature 【茶铺】 makes it UCS-2: 181 units are 3 segments of at most 67
    assert counter.inner_text().startswith("3 segments · UCS-2 · characters: 181")
    page.fill("#quiet_start", "22:00")
    birthday = "tr.journey[data-journey=birthday_care] input[type=checkbox]"
    page.uncheck(birthday)
    page.click("#save")
    page.wait_for_url("**/settings?step=payment_reminder.first&saved=yes")
    assert page.locator("#quiet_start").input_value() == "22:00"
    assert not page.locator(birthday).is_checked()
    changed = page.locator("#history tr.change").first
    assert changed.locator(".who").inner_text() == site[1].email
    fields = changed.locator("li").all_inner_texts()
    assert fields == ["Quiet hours", "Payment reminder · First reminder – text in English",
                      "Birthday greeting – on or off"]  # fmt: skip
    _keep(page, "settings.changed.en")


def test_a_table_downloads_as_csv(signed_in, site):
    page = signed_in("en")
    page.goto(f"/console/{site[1].store}/journeys")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "cart_recovery" in {row.get("journey") for row in rows}


def test_a_journey_opens_from_its_row_and_its_funnel_downloads_as_csv(signed_in, site):
    page = signed_in("ru")
    page.goto(f"/console/{site[1].store}/journeys")
    page.locator("tr[data-journey=cart_recovery] th a").click()
    page.wait_for_url(f"**/console/{site[1].store}/journeys/cart_recovery?**")
    assert page.locator("h1").inner_text() == "Брошенная корзина"
    assert page.locator("tr.preview[data-locale=zh-CN] td.text").first.inner_text()
    with page.expect_download() as download:
        page.locator("#funnel a.csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert [row["step"] for row in csv.DictReader(io.StringIO(text))] == ["reminder"]


def test_sign_in_and_the_screens_by_keyboard_alone(browser, site):
    base, made = site
    page = browser.new_context(locale="en", base_url=base, **PHONE).new_page()
    page.goto("/console/login")
    _tab_to(page, "#email")
    page.keyboard.type(made.email)
    page.keyboard.press("Tab")
    page.keyboard.type(made.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/{made.store}/")
    for name in ("Alerts", "Messages", "Journeys", "Parcels"):
        _tab_to(page, f"nav.screens a:text-is('{name}')")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/console/{made.store}/{name.lower()}")
        assert page.locator("nav.screens a[aria-current=page]").inner_text() == name
    _keep(page, "keyboard.phone")


def _tab_to(page: Any, selector: str, most: int = 40) -> None:
    """Press Tab until `selector` has the focus (a bounded number of times)."""
    target = page.locator(selector)
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _first_message(page: Any) -> str:
    href = page.locator("#rows a[href*='/messages/']").first.get_attribute("href")
    return str(href).split("/console/", 1)[1].split("/", 1)[1]


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as `rule: target` lines."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']}: {n['target']}" for v in found if v["impact"] in {"serious", "critical"}
            for n in v["nodes"]]  # fmt: skip


def _keep(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
