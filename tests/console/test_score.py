"""Service score: the page is `tidings score`'s JSON, metric by metric, on both databases."""

from __future__ import annotations

import csv
import io


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
