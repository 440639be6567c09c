"""Reviews: bad ones with the reply tidings posted and the apology's state; deleted ones; on
both databases."""

from __future__ import annotations

from helpers import at, event, post, rounds

DAY = "from=2026-11-11&to=2026-11-11"


def _review(rid: str, rating: int, when, text: str = "包装破了"):  # type: ignore[no-untyped-def]
    return event("review.posted", when, review_id=rid, order_id="o1", customer_id="c1",
                 rating=rating, text=text)  # fmt: skip


def _reviews(console) -> None:  # type: ignore[no-untyped-def]
    """r1 bad, r2 good, r3 bad and then deleted by the shopper; the clock is at 10:00."""
    gone = event("review.deleted", at(9, 55), review_id="r3", by="customer")
    good = _review("r2", 5, at(9, 35), "很好")
    post(console.app, [_review("r1", 1, at(9, 30)), good, _review("r3", 2, at(9, 40)), gone])
    rounds(console.app)


def _message(console, step: str, review: str):  # type: ignore[no-untyped-def]
    (found,) = [m for m in console.app.decided(["acme"])
                if m.journey == "review_reply" and m.step == step
                and m.subject == f"review:{review}"]  # fmt: skip
    return found


def test_bad_reviews_show_the_reply_posted_and_the_apologys_state(console):
    _reviews(console)
    console.sign_in()
    page = console.get(f"/console/acme/reviews?{DAY}", lang="ru")
    rows = {r.attrs["data-review"]: r for r in page.select("#bad tr.review")}
    assert list(rows) == ["r3", "r1"]  # newest first; r2 was good
    reply, apology = _message(console, "bad", "r1"), _message(console, "apology", "r1")
    assert rows["r1"].one(".reply").text == " ".join(reply.body.split())
    assert rows["r1"].attrs["data-apology"] == apology.status == "suppressed"
    (link,) = rows["r1"].select(".apology a")
    assert link.attrs["href"] == f"/console/acme/messages/{apology.message_id}"
    reason = rows["r1"].one(".apology .reason span[data-reason]")
    assert (link.text, reason.attrs["data-reason"]) == ("Не отправлено", apology.reason)
    assert rows["r3"].one(".text").text == "包装破了 (удалён)"


def test_deleted_reviews_say_who_deleted_them(console):
    _reviews(console)
    console.sign_in()
    page = console.get(f"/console/acme/reviews?{DAY}", lang="zh-CN")
    (row,) = page.select("#deleted tr.review")
    assert row.attrs["data-review"] == "r3" and row.one(".by").text == "买家"


def test_reviews_export_as_csv(console):
    _reviews(console)
    console.sign_in()
    bad = console.client.get(f"/console/acme/reviews?format=csv&rows=bad&{DAY}").text
    lines = bad.lstrip("\ufeff").splitlines()
    assert lines[0].endswith(",reply,apology_status,apology_reason")
    assert [line.split(",")[0] for line in lines[1:]] == ["r3", "r1"]


def test_a_period_without_bad_reviews_says_so(console):
    _reviews(console)
    console.sign_in()
    page = console.get("/console/acme/reviews?from=2026-11-12&to=2026-11-12", lang="en")
    assert page.texts("p.empty") == [
        "No bad review in this period.",
        "No review was deleted in this period.",
    ]
