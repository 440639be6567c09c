"""Journeys: one row per journey, the report's figures."""

from __future__ import annotations

from datetime import date


def test_one_row_per_journey_with_the_reports_figures(console):
    console.sign_in()
    page = console.get("/console/acme/journeys?from=2026-11-11&to=2026-11-11", lang="ru")
    report = console.app.report("acme", date(2026, 11, 11), date(2026, 11, 11))
    rows = {r.attrs["data-journey"]: r.texts("td") for r in page.select("#rows tr.journey")}
    assert sorted(rows) == [j["journey"] for j in report["journeys"]]
    for journey in report["journeys"]:
        sent, suppressed = rows[journey["journey"]][:2]
        assert (sent, suppressed) == (str(journey["sent"]), str(journey["suppressed_total"]))


def test_journeys_export_as_csv(console):
    console.sign_in()
    answer = console.client.get("/console/acme/journeys?from=2026-11-11&to=2026-11-11&format=csv")
    lines = answer.text.splitlines()
    assert lines[0] == (
        "journey,sent,suppressed,top_reason,delivered,clicked,orders,revenue,cost,cost_per_order"
    )
    assert len(lines) == 1 + len(
        console.app.report("acme", date(2026, 11, 11), date(2026, 11, 11))["journeys"]
    )
