"""Home: its figures are the report's, the score's and the API's, on both databases."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from console.html_tree import parse

DAY = "from=2026-11-11&to=2026-11-11"


def _values(page) -> dict[str, str]:
    return {n.attrs["data-metric"]: n.attrs["data-value"] for n in page.select("[data-metric]")}


def test_home_figures_equal_the_report_the_score_and_the_api(console):
    console.sign_in()
    page = console.get(f"/console/acme/?{DAY}", lang="zh-CN")
    report = console.app.report("acme", date(2026, 11, 11), date(2026, 11, 11))["totals"]
    score = console.app.score("acme", console.clock())
    key = console.app.create_key("acme")
    api = console.client.get("/v1/alerts?state=open", headers={"Authorization": f"Bearer {key}"})
    assert report["sent"] > 0 and report["suppressed_total"] > 0  # the day has both
    expected = {
        "sent": str(report["sent"]),
        "suppressed": str(report["suppressed_total"]),
        "delivered": str(report["delivered"]),
        "clicked": str(report["clicked"]),
        "orders": str(report["orders_recovered"]),
        "revenue": report["revenue_recovered"],
        "cost": report["cost"],
        "alerts_open": str(len(api.json()["alerts"])),
        "score": "" if score["overall"] is None else str(score["overall"]),
    }
    values = _values(page)
    assert {k: values[k] for k in expected} == expected
    assert values["alerts_open"] == "1"


def test_home_shows_the_period_before_beside_and_money_in_the_readers_language(console):
    console.sign_in()
    page = console.get(f"/console/acme/?{DAY}", lang="ru")
    assert page.one(".previous").text == "Предыдущий период: 10 нояб. 2026 г. – 10 нояб. 2026 г."
    cost = console.app.report("acme", date(2026, 11, 11), date(2026, 11, 11))["totals"]["cost"]
    assert page.one("[data-metric=cost] .big").text == f"{cost.replace('.', ',')} CN¥"


def test_the_daily_volume_has_a_chart_and_its_table_and_comes_alone_as_a_block(console):
    console.sign_in()
    page = console.get("/console/acme/?from=2026-11-09&to=2026-11-11")
    assert len(page.select("#volume svg rect.sent")) == 3
    rows = [r.texts("td") for r in page.select("#volume tbody tr")]
    report = console.app.report("acme", date(2026, 11, 11), date(2026, 11, 11))["totals"]
    assert rows[-1][1:] == [str(report["sent"]), str(report["suppressed_total"])]
    block = console.client.get(
        "/console/acme/?from=2026-11-09&to=2026-11-11", headers={"X-Console-Block": "volume"}
    )
    assert block.text.lstrip().startswith('<div id="volume"') and "<html" not in block.text
    csv = console.client.get("/console/acme/?from=2026-11-09&to=2026-11-11&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "day,sent,suppressed"
    assert len(csv.text.splitlines()) == 4


def test_a_period_that_ends_before_it_starts_is_told_on_the_page(console):
    console.sign_in()
    page = console.get("/console/acme/?from=2026-11-12&to=2026-11-11", lang="zh-CN", status=422)
    assert page.one("#problem").text == "周期的结束日不能早于开始日，且最长 366 天。"
    page = console.get("/console/acme/?from=2026-13-01&to=2026-11-11", status=422)
    assert "YYYY-MM-DD" in page.one("#problem").text


def test_every_console_answer_carries_a_strict_content_security_policy(console):
    console.sign_in()
    for path in ("/console/login", "/console/acme/", "/console/static/console.css",
                 "/console/acme/nothing-here"):  # fmt: skip
        policy = console.client.get(path).headers["content-security-policy"]
        # the console's own, or the app's stricter one (default-src 'none') over it
        assert "default-src 'self'" in policy or "default-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = console.client.get(f"/console/acme/?{DAY}").text
    page = parse(html)
    assert all(s.attrs.get("src") for s in page.select("script"))  # no inline script
    assert not any("style" in n.attrs for n in page.nodes()) and "<style" not in html


def test_the_api_keeps_its_own_headers_untouched(console):
    client: TestClient = console.client
    assert "content-security-policy" not in client.get("/healthz").headers
