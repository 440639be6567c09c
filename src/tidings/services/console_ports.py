"""What the console's screens read, beyond the report's and the API's reads: the ports its
unit of work answers (the message search, parcels, reviews, a journey's steps), and the rows
they hand back. The screens' query modules and the database adapter both import this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol

from tidings.domain.events import Event
from tidings.domain.messages import Message
from tidings.services.analytics.ports import Analytics
from tidings.services.people import PeopleRepo
from tidings.services.ports import MessageFilter, ReadModel, StateRepo


class ConsoleReads(Protocol):
    def store_locale(self, store: str) -> str | None: ...

    def open_alerts(self, store: str) -> int: ...

    def search(
        self,
        store: str,
        where: MessageFilter,
        text: str,
        phone: str | None,
        customers: Sequence[str],
        limit: int,
    ) -> list[Message]: ...

    def message(self, store: str, message_id: str) -> Message | None: ...

    def clicks(self, store: str, message_id: str) -> list[datetime]: ...

    def searched_by(self, store: str, kind: str, ids: Sequence[str]) -> dict[str, str]:
        """What the messages about each review, ticket or dispute (its order) or conversation
        (its customer) are found by; ids without one are left out."""
        ...


@dataclass(frozen=True)
class Parcel:
    shipment_id: str
    order_id: str | None
    carrier: str | None
    tracking_number: str | None
    status: str
    substatus: str | None
    status_at: datetime | None
    pickup_point: str | None
    storage_until: datetime | None
    payment: str | None  # the order's: prepaid or cod


class ParcelReads(Protocol):
    def shipment_counts(self, store: str) -> dict[str, int]: ...

    def needing_care(self, store: str, stalled_before: datetime, limit: int) -> list[Parcel]:
        """Exceptions, failed attempts, parcels at a pickup point, cash-on-delivery parcels on
        their way back, and parcels in transit with no checkpoint since `stalled_before`."""
        ...


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


class StepReads(Protocol):
    def step_pending(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Messages still waiting whose due time falls in the period, per step."""
        ...

    def last_events(self, store: str, types: Sequence[str], limit: int) -> list[Event]:
        """The store's `limit` latest events of `types`, latest first."""
        ...

    def latest_subject(self, store: str, journey: str) -> str | None:
        """The subject of the journey's latest message (by due time)."""
        ...


class ConsoleUnitOfWork(Protocol):
    """The analytics' reads, the API's reads, the console's own reads and its people."""

    @property
    def analytics(self) -> Analytics: ...

    @property
    def read(self) -> ReadModel: ...

    @property
    def state(self) -> StateRepo: ...

    @property
    def console(self) -> ConsoleReads: ...

    @property
    def people(self) -> PeopleRepo: ...

    @property
    def parcels(self) -> ParcelReads: ...

    @property
    def reviews(self) -> ReviewReads: ...

    @property
    def steps(self) -> StepReads: ...

    def __enter__(self) -> ConsoleUnitOfWork: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...
