"""What the console's Reviews screen shows: the bad reviews of a period with the public reply
tidings posted and the state of the apology SMS, and the reviews that were deleted.

The rule: "bad" is review_reply's own band (rating BAD_AT_MOST or less), and the reply and the
apology are that journey's messages, read as they are recorded: nothing is inferred here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from tidings.domain.scores import midnight
from tidings.domain.times import zone
from tidings.services.analytics.score import known_store
from tidings.services.queries_console import ConsoleUnitOfWork, Period, period_of

BAD_AT_MOST = 2  # review_reply: bad 1-2 (its steps `bad`, `bad_review` and `apology`)
LONGEST = 200  # rows of each list


@dataclass(frozen=True)
class Review:
    review_id: str
    order_id: str | None
    rating: int | None
    text: str | None
    posted_at: datetime | None
    deleted_at: datetime | None
    deleted_by: str | None


@dataclass(frozen=True)
class Answer:
    """One of review_reply's messages about a review."""

    message_id: str
    status: str
    reason: str | None
    body: str | None


@dataclass(frozen=True)
class BadReview:
    review: Review
    reply: Answer | None  # the public reply (step `bad`)
    apology: Answer | None  # the SMS to the shopper (step `apology`)


class ReviewReads(Protocol):
    def bad_reviews(
        self, store: str, start: datetime, end: datetime, worst: int, limit: int
    ) -> list[tuple[Review, Answer | None, Answer | None]]:
        """Reviews posted in [start, end) rated `worst` or less, newest first, with their
        reply and apology messages."""
        ...

    def deleted_reviews(
        self, store: str, start: datetime, end: datetime, limit: int
    ) -> list[Review]:
        """Reviews deleted in [start, end), newest first."""
        ...


@dataclass(frozen=True)
class ReviewsPage:
    store: str
    timezone: str
    period: Period
    bad: tuple[BadReview, ...]
    deleted: tuple[Review, ...]


def reviews(
    uow: ConsoleUnitOfWork, store: str, first: date | None, last: date | None, at: datetime
) -> ReviewsPage:
    """Bad reviews posted and reviews deleted in the period. Raises UnknownStore, InvalidPeriod."""
    period = period_of(uow, store, first, last, at)
    with uow:
        timezone = known_store(uow.analytics, store).timezone
        tz = zone(timezone)
        start, end = midnight(period.first, tz), midnight(period.last + timedelta(days=1), tz)
        bad = uow.reviews.bad_reviews(store, start, end, BAD_AT_MOST, LONGEST)
        deleted = uow.reviews.deleted_reviews(store, start, end, LONGEST)
    return ReviewsPage(store, timezone, period, tuple(BadReview(*b) for b in bad), tuple(deleted))
