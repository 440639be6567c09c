"""What the console's Home and Journeys screens show, named as the seller sees it.

The rule: every figure comes from the same read functions as `tidings report`, `tidings
score` and the API (services/analytics), so the console and the report never disagree; this
module only picks and arranges them. Days are the store's local days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tidings.domain.errors import InvalidPeriod
from tidings.domain.scores import day_of
from tidings.domain.times import zone
from tidings.services.analytics.figures import Span, daily_counts
from tidings.services.analytics.ports import Analytics, KeptDay
from tidings.services.analytics.report import report
from tidings.services.analytics.score import known_store, score
from tidings.services.console_ports import ConsoleUnitOfWork

LONGEST_PERIOD = 366  # days
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Period:
    """Local days `first` … `last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The as many days just before."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))


@dataclass(frozen=True)
class Figures:
    sent: int
    suppressed: int
    delivered: int
    clicked: int
    orders: int
    revenue: Decimal
    cost: Decimal

    @property
    def return_on_cost(self) -> Decimal | None:
        """Revenue brought back per unit spent, None when nothing was spent."""
        return (self.revenue / self.cost).quantize(Decimal("0.01")) if self.cost else None


@dataclass(frozen=True)
class DayVolume:
    day: date
    sent: int
    suppressed: int


@dataclass(frozen=True)
class HomePage:
    store: str
    timezone: str
    currency: str
    period: Period
    figures: Figures
    previous: Figures
    alerts_open: int
    score: float | None
    days: tuple[DayVolume, ...]


@dataclass(frozen=True)
class JourneyRow:
    journey: str
    sent: int
    suppressed: int
    top_reason: str | None
    delivered: int
    clicked: int
    orders: int
    revenue: Decimal
    cost: Decimal
    cost_per_order: Decimal | None
    uplift: dict[str, Any] | None  # the report's uplift entry, when the journey holds back

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered / self.sent if self.sent else None

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.sent if self.sent else None


@dataclass(frozen=True)
class JourneysPage:
    store: str
    timezone: str
    currency: str
    period: Period
    rows: tuple[JourneyRow, ...]


def period_of(
    uow: ConsoleUnitOfWork, store: str, first: date | None, last: date | None, at: datetime
) -> Period:
    """The period asked for; by default the DEFAULT_DAYS local days up to today. Raises
    InvalidPeriod for one that ends before it starts or is longer than LONGEST_PERIOD."""
    if first is None or last is None:
        with uow:
            today = day_of(at, zone(known_store(uow.analytics, store).timezone))
        last = last or today
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidPeriod(f"the period ends ({last}) before it starts ({first})")
    if (last - first).days >= LONGEST_PERIOD:
        raise InvalidPeriod(f"a period of at most {LONGEST_PERIOD} days")
    return Period(first, last)


def store_locale(uow: ConsoleUnitOfWork, store: str) -> str | None:
    with uow:
        return uow.console.store_locale(store)


def home(
    uow: ConsoleUnitOfWork, store: str, first: date | None, last: date | None, at: datetime
) -> HomePage:
    """The store's figures over the period (`period_of`) and the period before, open alerts,
    the score at `at` and the daily volume. Raises UnknownStore, InvalidPeriod."""
    period = period_of(uow, store, first, last, at)
    live: dict[Span, KeptDay] = {}  # today, say: counted once, for the figures and the chart
    now = report(uow=uow, store=store, first=period.first, last=period.last, with_uplift=False,
                 live=live)  # fmt: skip
    before = period.previous()
    then = report(uow=uow, store=store, first=before.first, last=before.last, with_uplift=False)
    overall = score(uow=uow, store=store, at=at, at_risk_limit=0)["overall"]  # no list needed
    with uow:
        alerts = uow.console.open_alerts(store)
        days = volume(uow.analytics, store, period, now["timezone"], live)
    return HomePage(
        store, now["timezone"], now["currency"], period, _figures(now["totals"]),
        _figures(then["totals"]), alerts, overall, days,
    )  # fmt: skip


def journeys(
    uow: ConsoleUnitOfWork, store: str, first: date | None, last: date | None, at: datetime
) -> JourneysPage:
    """One row per journey that decided a message in the period (`period_of`). Raises
    UnknownStore, InvalidPeriod."""
    period = period_of(uow, store, first, last, at)
    found = report(uow=uow, store=store, first=period.first, last=period.last)
    uplift = {u["journey"]: u for u in found["uplift"]}
    rows = tuple(_journey_row(j, uplift.get(j["journey"])) for j in found["journeys"])
    return JourneysPage(store, found["timezone"], found["currency"], period, rows)


def _figures(totals: dict[str, Any]) -> Figures:
    return Figures(
        sent=totals["sent"],
        suppressed=totals["suppressed_total"],
        delivered=totals["delivered"],
        clicked=totals["clicked"],
        orders=totals["orders_recovered"],
        revenue=Decimal(totals["revenue_recovered"]),
        cost=Decimal(totals["cost"]),
    )


def _journey_row(row: dict[str, Any], uplift: dict[str, Any] | None) -> JourneyRow:
    reasons: dict[str, int] = row["suppressed"]
    top = max(sorted(reasons), key=lambda r: reasons[r]) if reasons else None
    per_order = row["cost_per_order"]
    return JourneyRow(
        row["journey"], row["sent"], row["suppressed_total"], top, row["delivered"],
        row["clicked"], row["orders_recovered"], Decimal(row["revenue_recovered"]),
        Decimal(row["cost"]), Decimal(per_order) if per_order else None, uplift,
    )  # fmt: skip


def volume(
    reader: Analytics,
    store: str,
    period: Period,
    timezone: str,
    live: dict[Span, KeptDay] | None = None,
    journey: str | None = None,
) -> tuple[DayVolume, ...]:
    """Sent and suppressed per local day (of one `journey`, or all), from the report's own
    counts (kept or live)."""
    found = daily_counts(reader, store, period.first, period.last, zone(timezone), live)
    out = []
    for day, counts in found:
        counts = [c for c in counts if journey in (None, c.journey)]
        sent = sum(c.messages for c in counts if c.status == "sent")
        suppressed = sum(c.messages for c in counts if c.status == "suppressed")
        out.append(DayVolume(day, sent, suppressed))
    return tuple(out)
