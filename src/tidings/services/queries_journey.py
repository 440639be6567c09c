"""What the console's Journey detail screen shows: one journey's funnel per step over a period
and the period before, its daily volume, its texts previewed and a dry run of its start.

The rule: the funnel is counted by the report's own queries, cut by step (the report's
attribution, its `sent`, `suppressed`, `delivered` and `clicked`), so that a journey's steps
add up to its row in `tidings report`; a step's repeats (`first.2`) count with the step.
Nothing here writes: the unit of work is left without a commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from tidings.domain.journeys import Journey
from tidings.domain.messages import REASONS
from tidings.domain.scores import midnight
from tidings.domain.times import zone
from tidings.services.analytics.figures import step_figures
from tidings.services.analytics.ports import MessageCount
from tidings.services.analytics.report import MICROS
from tidings.services.analytics.score import known_store
from tidings.services.console_ports import ConsoleUnitOfWork
from tidings.services.journey_trials import DryRun, Preview, dry_run, previews
from tidings.services.queries_console import DayVolume, Period, period_of, volume
from tidings.services.texts import Texts
from tidings.services.world import Keys

LAST_EVENTS = 10


@dataclass
class StepFunnel:
    """One step over a period: waiting, sent, not sent by reason, delivered, clicked, and the
    orders credited to it (converted) with their revenue."""

    step: str
    pending: int = 0
    sent: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    clicked: int = 0
    orders: int = 0
    revenue_micros: int = 0
    cost_micros: int = 0

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())

    @property
    def revenue(self) -> Decimal:
        return Decimal(self.revenue_micros) / MICROS  # summed whole, as the report does

    @property
    def cost(self) -> Decimal:
        return Decimal(self.cost_micros) / MICROS


@dataclass(frozen=True)
class JourneyPage:
    store: str
    timezone: str
    currency: str
    journey: Journey
    period: Period
    funnel: tuple[StepFunnel, ...]
    previous: tuple[StepFunnel, ...]
    days: tuple[DayVolume, ...]
    preview_subject: str | None
    previews: tuple[Preview, ...]
    dry_run: tuple[DryRun, ...]

    @property
    def previous_by_step(self) -> tuple[StepFunnel, ...]:
        """The period before's figures in the order of `funnel`, a step by step."""
        before = {row.step: row for row in self.previous}
        return tuple(before.get(row.step, StepFunnel(row.step)) for row in self.funnel)


def journey_page(
    uow: ConsoleUnitOfWork,
    texts: Texts,
    store: str,
    name: str,
    first: date | None,
    last: date | None,
    at: datetime,
) -> JourneyPage | None:
    """The journey `name` as `store` runs it, or None when it has no such journey. Raises
    UnknownStore, InvalidPeriod."""
    period = period_of(uow, store, first, last, at)
    with uow:
        info = known_store(uow.analytics, store)
        shop = uow.state.load(Keys(stores={store})).store(store)
        journey = texts.journeys(shop).get(name)
        if journey is None:
            return None
        now = funnel(uow, store, journey, period, info.timezone)
        before = funnel(uow, store, journey, period.previous(), info.timezone)
        days = volume(uow.analytics, store, period, info.timezone, journey=name)
        events = uow.steps.last_events(store, sorted(journey.triggers), LAST_EVENTS)
        trials = dry_run(uow, texts, journey, events, at)
        subject = uow.steps.latest_subject(store, name) or next(
            (t.subject for t in trials if t.subject), None
        )  # the latest subject it had, else one it could have
        shown = previews(uow, texts, journey, store, subject, at)
    return JourneyPage(
        store,
        info.timezone,
        info.currency,
        journey,
        period,
        now,
        before,
        days,
        subject,
        shown,
        trials,
    )


def funnel(
    uow: ConsoleUnitOfWork, store: str, journey: Journey, period: Period, timezone: str
) -> tuple[StepFunnel, ...]:
    """The journey's steps in their order over `period`, each the report's figures of its
    messages (kept or counted live, as the report's row); a step of an older version of the
    journey comes after them."""
    tz = zone(timezone)
    start, end = midnight(period.first, tz), midnight(period.last + timedelta(days=1), tz)
    rows = {s.name: StepFunnel(s.name) for s in journey.steps}

    def row(step: str) -> StepFunnel:
        base = step.split(".", 1)[0]  # a repeat of a step counts with it
        return rows.setdefault(base, StepFunnel(base))

    counts, outcomes = step_figures(
        uow.analytics, store, journey.name, period.first, period.last, tz
    )
    for count in counts:
        _add(row(count.step), count)
    for step, n in uow.steps.step_pending(store, journey.name, start, end).items():
        row(step).pending += n
    for outcome in outcomes:
        found = row(outcome.step)
        found.delivered += outcome.delivered
        found.clicked += outcome.clicked
        found.orders += outcome.orders
        found.revenue_micros += outcome.revenue_micros
    return tuple(rows.values())


def _add(row: StepFunnel, count: MessageCount) -> None:
    if count.status == "sent":
        row.sent += count.messages
        row.cost_micros += count.cost_micros
    elif count.status == "suppressed":
        reason = count.reason if count.reason in REASONS else "other"  # as the report says
        row.suppressed[reason] = row.suppressed.get(reason, 0) + count.messages
