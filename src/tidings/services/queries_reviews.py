"""What the console's Reviews screen shows: the bad reviews of a period with the public reply
tidings posted and the state of the apology SMS, and the reviews that were deleted.

The rule: "bad" is review_reply's own band (rating BAD_AT_MOST or less), and the reply and the
apology are that journey's messages, read as they are recorded: nothing is inferred here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tidings.domain.scores import midnight
from tidings.domain.times import zone
from tidings.services.analytics.score import known_store
from tidings.services.console_ports import Answer, ConsoleUnitOfWork, Review
from tidings.services.queries_console import Period, period_of

BAD_AT_MOST = 2  # review_reply: bad 1-2 (its steps `bad`, `bad_review` and `apology`)
LONGEST = 200  # rows of each list


@dataclass(frozen=True)
class BadReview:
    review: Review
    reply: Answer | None  # the public reply (step `bad`)
    apology: Answer | None  # the SMS to the shopper (step `apology`)


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
