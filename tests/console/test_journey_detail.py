"""Journey detail: a journey's funnel per step (adding up to the report's row), its daily volume,
its texts previewed in each language on a real subject, and a dry run that changes nothing.

The console fixture's acme (conftest.demo_day) has four orders on Double 11: o1 created paid,
o2 and o3 paid 45 and 40 minutes after they were created (their first reminder, due at 30
minutes, fell in quiet hours and was suppressed when it came out of them), o4 never paid (its
first reminder sent at 08:00, its last one due at 01:00 the next day, still waiting).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, update

from console.conftest import Console
from console.html_tree import parse
from helpers import Clock, checkpoint, live, post, rounds, sql, store
from tidings.adapters.db import tables
from tidings.adapters.db.tables import metadata
from tidings.config import Settings
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.demo_cli import make
from tidings.services import demo, queries_journey
from tidings.services.analytics.figures import keep_closed_days, keep_todays_hours

DOUBLE_11 = "from=2026-11-11&to=2026-11-11"
PAGE = "/console/acme/journeys/payment_reminder"
FIGURES = {"pending": "pending", "sent": "sent", "suppressed": "suppressed_total",
           "delivered": "delivered", "clicked": "clicked", "orders": "orders",
           "revenue": "revenue", "cost": "cost"}  # fmt: skip


def funnel(page: Any) -> dict[str, dict[str, str]]:
    """step: {figure: its unformatted value}."""
    return {
        row.attrs["data-step"]: {
            name: row.one(f"td.{name}").attrs["data-value"] for name in FIGURES
        }
        for row in page.select("#funnel tr.step")
    }


def test_the_funnel_per_step_of_double_11(console):
    console.sign_in()
    page = console.get(f"{PAGE}?from=2026-11-11&to=2026-11-12")
    steps = funnel(page)
    assert list(steps) == ["first", "last"]
    assert (steps["first"]["sent"], steps["first"]["suppressed"]) == ("1", "2")
    assert steps["first"]["cost"] == "0.05"
    assert steps["last"]["pending"] == "1"  # o4's last reminder, due on Nov 12 at 01:00
    reasons = page.select("tr[data-step=first] li[data-reason]")
    assert [li.text for li in reasons] == ["Its reason was gone: 2"]


def test_the_period_before_stands_beside_each_figure(console):
    console.sign_in()
    page = console.get(f"{PAGE}?from=2026-11-12&to=2026-11-12", lang="ru")
    sent = page.one("tr[data-step=first] td.sent")
    assert sent.attrs["data-value"] == "0"
    assert sent.one(".before").text == "ранее: 1"


def test_the_daily_chart_counts_this_journey_alone(console):
    console.sign_in()
    page = console.get(f"{PAGE}?{DOUBLE_11}")
    assert page.select("#volume svg rect.sent")
    assert [r.texts("td") for r in page.select("#volume tbody tr")] == [["11/11/26", "1", "2"]]


def test_the_steps_texts_are_previewed_in_each_language_on_the_latest_subject(console):
    console.sign_in()
    page = console.get(f"{PAGE}?{DOUBLE_11}", lang="zh-CN")
    assert page.one("#preview-subject").text == "订单 o4"  # its last reminder is the latest
    assert page.one("#preview-subject .subject-name").attrs["data-subject"] == "order:o4"
    rows = {r.attrs["data-locale"]: r for r in page.select("tr.preview[data-step=first]")}
    assert list(rows) == ["zh-CN", "en", "ru"]
    chinese = rows["zh-CN"].one("td.text").text
    assert chinese.startswith("【Acme】您的订单o4待付款，点此支付：https://acme.example/l/")
    assert len(chinese) < 70  # UCS-2: one segment, at the store's price
    assert (rows["zh-CN"].one("td.segments").text, rows["zh-CN"].one("td.cost").text) == (
        "1", "¥0.05",
    )  # fmt: skip
    english = rows["en"].one("td.text").text
    assert english.startswith("【Acme】Your order o4 (129.00 CNY) is waiting for payment.")
    assert 70 < len(english) <= 134  # the bracket makes it UCS-2: two segments
    assert (rows["en"].one("td.segments").text, rows["en"].one("td.cost").text) == ("2", "¥0.10")
    assert rows["ru"].one("td.text").text.startswith("【Acme】Заказ o4 на 129.00 CNY ждёт оплаты")


def test_a_text_that_does_not_render_says_so_and_the_others_still_show(console):
    broken = {"payment_reminder": {"templates": {"first": {"en": "Pay {{ order.nope.total }}"}}}}
    post(console.app, [store(console.clock(), journeys=broken)])
    rounds(console.app)
    console.sign_in()
    page = console.get(f"{PAGE}?{DOUBLE_11}")
    rows = {r.attrs["data-locale"]: r for r in page.select("tr.preview[data-step=first]")}
    problem = rows["en"].one(".problem").text
    why = "UndefinedError: 'tidings.domain.state.Order object' has no attribute 'nope'"
    assert problem == f"This text does not render: {why}"
    assert rows["en"].one("td.segments").text == "–"
    assert rows["zh-CN"].one("td.text").text.startswith("【Acme】您的订单o4")


def test_the_dry_run_says_whether_each_latest_event_would_start_it_and_what_stopped_it(console):
    console.sign_in()
    page = console.get(f"{PAGE}?{DOUBLE_11}")
    trials = page.select("#dry-run tr.trial")
    assert [t.texts("td")[1] for t in trials] == ["Order o1", "Order o4", "Order o3", "Order o2"]
    assert [t.attrs["data-starts"] for t in trials] == ["no", "yes", "yes", "yes"]
    assert trials[0].one(".stop code").text == 'where: { field = "event.status", eq = "unpaid" }'
    assert trials[1].select(".held") == []
    assert trials[2].one(".held code").text == 'exit_if: { field = "order.paid_at", set = true }'


def test_the_dry_run_names_a_steps_own_where_as_written(console):
    later = checkpoint("s1", "out_for_delivery", console.clock(), order_id="o1")
    post(console.app, [{**later, "id": "cp-transit"}])
    rounds(console.app)
    console.sign_in()
    page = console.get("/console/acme/journeys/delivery_watch")
    latest = page.select("#dry-run tr.trial")[0]
    assert latest.attrs["data-event"] == "cp-transit"
    assert latest.attrs["data-starts"] == "no"
    assert 'steps.failed_attempt.where: { field = "event.status", eq = "failed_attempt" }' in (
        latest.texts(".stop code")
    )


def test_the_dry_run_changes_nothing_in_the_database(console, db_url):
    before = _everything(db_url)
    for name in ("payment_reminder", "delivery_watch", "shipping_notice", "review_request"):
        page = queries_journey.journey_page(
            console.app.console_unit_of_work(), console.app.engine.texts, "acme", name,
            None, None, console.clock(),
        )  # fmt: skip
        assert page is not None and page.dry_run
    assert _everything(db_url) == before


def test_an_unknown_journey_is_a_clear_404_and_another_stores_is_not_shown(console):
    console.sign_in()
    page = console.get("/console/acme/journeys/no_such_journey", status=404, lang="ru")
    assert page.one("#problem").text == "В этом магазине нет такого сценария."
    console.get("/console/bolt/journeys/payment_reminder", status=404)


def test_the_journeys_screen_links_each_row_to_its_detail(console):
    console.sign_in()
    page = console.get(f"/console/acme/journeys?{DOUBLE_11}")
    link = page.one("tr[data-journey=payment_reminder] th a")
    assert link.attrs["href"] == f"{PAGE}?{DOUBLE_11}"


def test_the_funnel_exports_as_csv(console):
    console.sign_in()
    answer = console.client.get(f"{PAGE}?from=2026-11-11&to=2026-11-12&format=csv")
    lines = answer.text.splitlines()
    assert lines[0] == (
        "step,pending,sent,suppressed_total,delivered,clicked,orders,revenue,cost,"
        "suppressed_by_reason,previous_pending,previous_sent,previous_suppressed_total,"
        "previous_delivered,previous_clicked,previous_orders,previous_revenue,previous_cost"
    )
    assert lines[1] == "first,0,1,2,0,0,0,0,0.05,condition_cleared=2,0,0,0,0,0,0,0,0"
    assert lines[2].startswith("last,1,0,0,")


# --- the demo store: every journey with receipts, clicks, orders brought back, a holdout ---


END = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture
def demo_console(db_url: str) -> Iterator[tuple[Console, str]]:
    made = make(Settings(database_url=db_url), END)
    clock = Clock(END)
    app = live(db_url, clock)
    with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        console = Console(client, app, clock)
        assert console.sign_in(made.email, made.password).status_code == 303
        yield console, made.store
    app.close()


def test_each_journeys_steps_add_up_to_its_row_in_the_report(demo_console):
    console, shop = demo_console
    first, last = (END - timedelta(days=29)).date(), END.date()
    report = console.app.report(shop, first, last)
    assert report["totals"]["delivered"] and report["totals"]["orders_recovered"]
    for row in report["journeys"]:
        page = console.get(f"/console/{shop}/journeys/{row['journey']}?from={first}&to={last}")
        steps = funnel(page).values()
        total = {name: sum(Decimal(s[name]) for s in steps) for name in FIGURES}
        assert total["sent"] == row["sent"], row["journey"]
        assert total["suppressed"] == row["suppressed_total"], row["journey"]
        assert total["delivered"] == row["delivered"], row["journey"]
        assert total["clicked"] == row["clicked"], row["journey"]
        assert total["orders"] == row["orders_recovered"], row["journey"]
        assert total["revenue"] == Decimal(row["revenue_recovered"]), row["journey"]
        assert total["cost"] == Decimal(row["cost"]), row["journey"]
        reasons: dict[str, int] = {}
        for li in page.select("#funnel li[data-reason]"):
            reason = li.attrs["data-reason"]
            reasons[reason] = reasons.get(reason, 0) + int(li.text.rpartition(": ")[2])
        assert reasons == row["suppressed"], row["journey"]


def test_each_steps_figures_read_from_the_kept_days_and_hours_are_the_ones_counted(demo_console):
    console, shop = demo_console
    first, last = (END - timedelta(days=29)).date(), END.date()
    names = [row["journey"] for row in console.app.report(shop, first, last)["journeys"]]
    paths = [f"/console/{shop}/journeys/{name}?from={first}&to={last}" for name in names]
    counted = [funnel(console.get(path)) for path in paths]
    at = console.clock()
    assert keep_closed_days(uow=console.app.analytics_unit_of_work(False), store=shop, at=at)
    assert keep_todays_hours(uow=console.app.analytics_unit_of_work(False), store=shop, at=at)
    assert [funnel(console.get(path)) for path in paths] == counted
    c = tables.daily_counts.c  # and they are read: a kept count changed shows on the page
    mine = (c.store_id == shop, c.journey == "payment_reminder", c.step == "first",
            c.status == "sent")  # fmt: skip
    (day,) = sql(console.app.settings.database_url, select(func.max(c.day)).where(*mine))[0]
    bumped = update(tables.daily_counts).where(*mine, c.day == day)
    sql(console.app.settings.database_url, bumped.values(messages=c.messages + 100))
    shown = funnel(console.get(f"/console/{shop}/journeys/payment_reminder?from={first}&to={last}"))
    before = counted[names.index("payment_reminder")]
    assert int(shown["first"]["sent"]) == int(before["first"]["sent"]) + 100


def test_the_demo_stores_journeys_all_show(demo_console):
    console, shop = demo_console
    assert shop == demo.STORE
    for lang in ("zh-CN", "en", "ru"):
        page = console.get(f"/console/{shop}/journeys/cart_recovery", lang=lang)
        assert page.select("tr.preview") and page.select("#dry-run tr.trial")


def _everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(
                    (tuple(map(repr, row)) for row in conn.execute(select(table))), key=str
                )
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_a_request_for_the_funnel_block_gets_the_funnel_alone(console):
    console.sign_in()
    answer = console.client.get(
        f"{PAGE}?from=2026-11-11&to=2026-11-12", headers={"X-Console-Block": "funnel"}
    )
    assert answer.text.lstrip().startswith('<div id="funnel">') and "<html" not in answer.text
    reason = parse(answer.text).one("li[data-reason=condition_cleared] a")
    assert reason.attrs["href"] == (
        "/console/acme/messages?journey=payment_reminder&status=suppressed&reason=condition_cleared"
    )


def test_a_journey_the_store_turned_off_would_start_on_nothing(console):
    post(console.app, [store(console.clock(), journeys={"payment_reminder": {"enabled": False}})])
    rounds(console.app)
    console.sign_in()
    page = console.get(f"{PAGE}?{DOUBLE_11}", lang="zh-CN")
    assert page.one("#state").text == "已关闭"
    trials = page.select("#dry-run tr.trial")
    assert {t.attrs["data-starts"] for t in trials} == {"no"}
    assert {t.one(".stop").text for t in trials} == {"旅程已关闭。"}


def test_a_period_that_ends_before_it_starts_is_refused_on_the_page(console):
    console.sign_in()
    page = console.get(f"{PAGE}?from=2026-11-12&to=2026-11-11", status=422)
    assert page.one("#problem").text.startswith("A period must not end before it starts")
