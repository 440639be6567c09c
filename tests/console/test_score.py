"""Service score: the page is `tidings score`'s JSON, metric by metric, on both databases."""

from __future__ import annotations

import csv
import io

from helpers import at, checkpoint, event, order, post, rounds, shipped


def _shown(page) -> dict[str, dict[str, object]]:
    return {
        row.attrs["data-metric"]: {
            "value": row.attrs["data-value"],
            "target": row.attrs["data-target"],
            "met": row.attrs["data-met"],
            "culprits": [n.text for n in row.one(".culprits").nodes()],
        }
        for row in page.select("#metrics tr.metric")
    }


def _expected(score) -> dict[str, dict[str, object]]:
    def text(value: object) -> str:
        return (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )

    return {
        name: {"value": text(m["value"]), "target": str(m["target"]), "met": text(m["met"]),
               "culprits": m["culprits"]}
        for name, m in score["metrics"].items()
    }  # fmt: skip


def test_the_score_page_is_the_score_json_with_its_orders_at_risk(console):
    console.sign_in()
    page = console.get("/console/acme/score", lang="ru")
    score = console.app.score("acme", console.clock())
    assert _shown(page) == _expected(score)
    assert page.one("[data-metric=score]").attrs["data-value"] == str(score["overall"] or "")
    risky = [r.attrs["data-order"] for r in page.select("#at-risk tr.risk")]
    assert risky == [r["order_id"] for r in score["at_risk"]] and risky
    assert (
        page.select("#at-risk tr.risk a")[0].attrs["href"] == f"/console/acme/messages?q={risky[0]}"
    )


def test_two_days_on_the_culprits_link_to_their_orders(console):
    console.clock.advance(hours=48)
    console.sign_in()
    page = console.get("/console/acme/score", lang="zh-CN")
    score = console.app.score("acme", console.clock())
    assert _shown(page) == _expected(score)
    late = score["metrics"]["same_day_collection_rate"]["culprits"]
    assert late, "orders paid on the 11th and not collected are culprits two days on"
    row = page.one("#metrics tr[data-metric=same_day_collection_rate]")
    assert [a.attrs["href"] for a in row.select(".culprits a")] == [
        f"/console/acme/messages?q={oid}" for oid in late
    ]
    assert row.one("th").text == "按时揽收的包裹"


def test_the_score_exports_as_csv(console):
    console.sign_in()
    answer = console.client.get("/console/acme/score?format=csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    score = console.app.score("acme", console.clock())
    assert [r["name"] for r in rows] == list(score["metrics"])
    assert [r["target"] for r in rows] == [str(m["target"]) for m in score["metrics"].values()]


def test_targets_are_written_as_a_person_writes_them_in_each_language(console):
    console.sign_in()
    said = {}
    for lang in ("en", "ru", "zh-CN"):
        page = console.get("/console/acme/score", lang=lang)
        said[lang] = {
            r.attrs["data-metric"]: r.one(".target").text for r in page.select("tr.metric")
        }
    assert said["en"]["review_positive_rate"] == "≥ 95%"
    assert said["ru"]["review_positive_rate"] == "≥ 95 %"  # a space before % in Russian
    assert said["ru"]["dispute_rate"] == "≤ 0,5 %"  # the decimals it has, the locale's comma
    assert said["zh-CN"]["response_avg_seconds"] == "≤ 30"  # a mean, not a rate


def test_each_metric_has_its_30_days_as_a_line_and_a_table_that_add_up_to_the_score(console):
    post(console.app, [
        order("o5", at(24 + 9), status="paid"), shipped("o5", "s5", at(24 + 12)),
        checkpoint("s5", "in_transit", at(24 + 12), order_id="o5"),  # 12 Nov: collected in time
        order("o6", at(24 + 10), status="paid"),  # 12 Nov: never collected
    ])  # fmt: skip
    rounds(console.app)
    console.clock.advance(hours=48)  # 13 Nov
    rounds(console.app)  # the worker keeps the days closed since
    console.sign_in()
    page = console.get("/console/acme/score", lang="ru")
    days = page.select("#trend tr.day")
    assert len(days) == 30 and days[-1].attrs["data-day"] == "2026-11-12"
    collected = {
        row.attrs["data-day"]: row.one("td[data-metric=same_day_collection_rate]").text
        for row in days[-2:]
    }
    # 11 Nov: o1, o2, o3 due, none collected; 12 Nov: o5 in time, o6 not
    assert collected == {"2026-11-11": "0,0%", "2026-11-12": "50,0%"}
    row = page.one("#metrics tr[data-metric=same_day_collection_rate]")
    assert len(row.select(".spark polyline")) == 1  # two days with data side by side: a line
    score = console.app.score("acme", console.clock())["metrics"]["same_day_collection_rate"]
    assert (score["numerator"], score["denominator"]) == (1, 5)  # the days add up to the window
    answer = console.client.get("/console/acme/score?format=csv&rows=trend")
    rows = [
        r
        for r in csv.DictReader(io.StringIO(answer.text))
        if r["name"] == "same_day_collection_rate"
    ]
    assert [(r["numerator"], r["denominator"]) for r in rows[-2:]] == [("0", "3"), ("1", "2")]


def test_only_the_soonest_orders_at_risk_are_listed_and_the_csv_has_them_all(console):
    post(console.app, [order(f"r{n}", at(9, 30), status="paid") for n in range(60)])
    rounds(console.app)
    console.sign_in()
    page = console.get("/console/acme/score", lang="en")
    score = console.app.score("acme", console.clock())
    assert len(score["at_risk"]) > 50
    assert len(page.select("#at-risk tr.risk")) == 50
    assert page.one("#risk-shown").text == "The 50 soonest are shown; the CSV has them all."
    answer = console.client.get("/console/acme/score?format=csv&rows=at_risk")
    assert len(list(csv.DictReader(io.StringIO(answer.text)))) == len(score["at_risk"])


def test_a_bad_review_and_a_dispute_link_to_the_messages_of_their_order(console):
    post(console.app, [
        event("review.posted", at(9, 30), review_id="r1", order_id="o1", customer_id="c1",
              rating=1, text="包装破了"),
        event("dispute.opened", at(9, 40), dispute_id="d1", order_id="o2"),
    ])  # fmt: skip
    rounds(console.app)
    console.clock.advance(hours=24)
    console.sign_in()
    page = console.get("/console/acme/score")
    score = console.app.score("acme", console.clock())
    links = {}
    for metric, culprit in (("review_positive_rate", "r1"), ("dispute_rate", "d1")):
        assert culprit in score["metrics"][metric]["culprits"]
        row = page.one(f"#metrics tr[data-metric={metric}]")
        links |= {a.text: a.attrs["href"] for a in row.select(".culprits a")}
    assert links == {"r1": "/console/acme/messages?q=o1", "d1": "/console/acme/messages?q=o2"}
