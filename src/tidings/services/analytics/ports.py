"""What the analytics use cases need from storage: counts made where the rows are.

Every method answers with a few numbers and at most a few ids; none hands over rows to be
counted here. Times are aware; windows and deadlines come from `domain.scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol

from tidings.domain.scores import Deadline, Tally, Window
from tidings.domain.uplift import Arm


@dataclass(frozen=True, slots=True)
class StoreInfo:
    store_id: str
    timezone: str
    currency: str


@dataclass(frozen=True, slots=True)
class MessageCount:
    """Messages of one journey (of one step of it, when `step` is not '') decided in a period,
    with one status and reason."""

    journey: str
    status: str
    reason: str | None
    messages: int
    segments: int
    cost_micros: int
    step: str = ""


@dataclass(frozen=True, slots=True)
class Recovered:
    """Orders credited to a journey's messages of a period, and what they were worth."""

    journey: str
    orders: int
    revenue_micros: int
    step: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a journey's (a step's) messages of one day did: delivered, clicked, orders
    brought back."""

    journey: str
    delivered: int
    clicked: int
    orders: int
    revenue_micros: int
    step: str = ""


@dataclass(frozen=True, slots=True)
class DayArms:
    """A journey's holdout arms among the subjects whose first message was due that day."""

    journey: str
    treated: Arm
    held: Arm
    held_back: bool  # some message of the journey due that day was held back


@dataclass(frozen=True, slots=True)
class KeptDay:
    """A local day's report figures per step, summed once, or those of one of its hours (today's
    closed hours, before the day is summed whole): the instants it spans, [starts_at, ends_at)."""

    day: date
    starts_at: datetime
    ends_at: datetime
    counts: tuple[MessageCount, ...]
    outcomes: tuple[Outcome, ...]
    arms: tuple[DayArms, ...] = ()
    hour: int | None = None  # the hour's number from the day's midnight; None: the whole day

    @property
    def key(self) -> str:
        """How it is kept: `2026-11-12`, or `2026-11-12T09` for an hour of it."""
        day = self.day.isoformat()
        return day if self.hour is None else f"{day}T{self.hour:02d}"


@dataclass(frozen=True, slots=True)
class KeptTally:
    """One metric's tally of one closed local day, counted as of `summed_for`; the rows it
    read lie in [starts_at, ends_at)."""

    day: date
    metric: str
    tally: Tally
    starts_at: datetime
    ends_at: datetime
    summed_for: datetime


class ScoreReader(Protocol):
    def store(self, store: str) -> StoreInfo | None: ...

    def targets(self, store: str) -> dict[str, str]: ...

    def set_target(self, store: str, metric: str, target: Decimal | None) -> None: ...

    def reviews(self, store: str, win: Window) -> Tally: ...

    def responses(
        self, store: str, win: Window, at: datetime, slow_seconds: Decimal
    ) -> tuple[Tally, Tally]:
        """The 30-second rate and the mean reply time of the turns in `win`, as of `at`."""
        ...

    def collection(self, store: str, deadlines: Sequence[Deadline], at: datetime) -> Tally: ...

    def arrival(self, store: str, deadlines: Sequence[Deadline]) -> Tally: ...

    def aftersale(self, store: str, win: Window, slow_hours: Decimal) -> Tally: ...

    def satisfaction(self, store: str, win: Window) -> Tally: ...

    def disputes(self, store: str, win: Window) -> Tally: ...

    def at_risk(
        self, store: str, deadlines: Sequence[Deadline], at: datetime, limit: int | None = None
    ) -> list[tuple[str, datetime]]:
        """Paid orders not collected by `at` whose deadline is after it, soonest first (the
        first `limit` of them)."""
        ...


class ReportReader(Protocol):
    def store(self, store: str) -> StoreInfo | None: ...

    # Each count is per journey, its step '', or `by_step`, per (journey, step): a kept day
    # holds steps, so that a journey's detail reads them too.
    def messages(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> list[MessageCount]: ...

    def delivered(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> dict[tuple[str, str], int]: ...

    def clicked(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> dict[tuple[str, str], int]: ...

    def recovered(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> list[Recovered]: ...

    def held_back(self, store: str, start: datetime, end: datetime) -> list[str]:
        """The journeys that held a subject back whose message was due in the period."""
        ...

    def arms(
        self, store: str, journey: str, outcome: str, start: datetime, end: datetime
    ) -> tuple[Arm, Arm]:
        """(treated, held back) subjects of `journey` whose first message was due in the
        period."""
        ...


class KeptFigures(Protocol):
    """The kept daily figures (migration 0017): a kept day is forgotten when a row it counted
    changes."""

    def first_decided(self, store: str) -> datetime | None: ...

    def first_due(self, store: str) -> datetime | None: ...

    def store_ids(self) -> list[str]: ...

    def hold_forgetting(self, store: str, kept: str) -> None:
        """Until this transaction ends, no change that would forget one of the store's kept days
        ("figures") or tallies ("scores") commits: a day summed now cannot miss a write in
        flight. Call it before the first count."""
        ...

    def kept_days(self, store: str, first: date, last: date, figures: bool = True) -> list[KeptDay]:
        """The days and hours kept of `first` … `last`; without `figures`, only which they are
        (what the keeping needs to know, every 10 minutes)."""
        ...

    def keep_day(self, store: str, day: KeptDay, at: datetime) -> None: ...

    def kept_tallies(self, store: str, first: date, last: date) -> list[KeptTally]: ...

    def keep_tallies(self, store: str, tallies: Sequence[KeptTally]) -> None:
        """Write these tallies, replacing what was kept of their days and metrics."""
        ...


class Analytics(ScoreReader, ReportReader, KeptFigures, Protocol):
    pass


class AnalyticsUnitOfWork(Protocol):
    """One transaction over the read side (and the store's targets)."""

    @property
    def analytics(self) -> Analytics: ...

    def __enter__(self) -> AnalyticsUnitOfWork: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...
