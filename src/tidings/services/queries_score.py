"""What the console's Service score screen shows: `tidings score` as the seller reads it.

The rule: every figure is the score's own (services/analytics/score.py, the function behind
`tidings score` and the API), only arranged; nothing here counts or rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from tidings.domain.scores import Tally
from tidings.services.analytics.score import daily, score
from tidings.services.console_ports import ConsoleUnitOfWork

# What each metric's culprit ids name: orders and shipments open their messages in the console;
# a review's, ticket's or dispute's are its order's, a conversation's its customer's.
CULPRITS: dict[str, str] = {
    "review_positive_rate": "review",
    "response_30s_rate": "conversation",
    "response_avg_seconds": "conversation",
    "same_day_collection_rate": "order",
    "next_day_arrival_rate": "shipment",
    "aftersale_avg_hours": "ticket",
    "return_satisfaction_rate": "ticket",
    "dispute_rate": "dispute",
}
LINKED = frozenset({"order", "shipment"})
BEHIND = frozenset({"review", "ticket", "dispute", "conversation"})
AT_RISK_SHOWN = 50  # the soonest deadlines on the page; the CSV has every one


@dataclass(frozen=True)
class DayValue:
    """A metric's value over one local day alone (None: nothing to count that day, or the
    day is not counted yet)."""

    day: date
    value: float | None
    numerator: float
    denominator: int
    counted: bool = True


@dataclass(frozen=True)
class ScoreMetric:
    name: str
    value: float | None
    numerator: float
    denominator: int
    target: float
    direction: str  # ">=" or "<="
    met: bool | None
    first: date
    last: date
    culprits: tuple[str, ...]
    culprit_kind: str
    trend: tuple[DayValue, ...]  # the 30 local days before today, oldest first
    searched: dict[str, str] = field(default_factory=dict)  # culprit → what finds its messages

    @property
    def is_rate(self) -> bool:
        return self.name.endswith("_rate")

    def search_for(self, culprit: str) -> str | None:
        """What the Messages screen finds this culprit's messages by (None: nothing links)."""
        return culprit if self.culprit_kind in LINKED else self.searched.get(culprit)


@dataclass(frozen=True)
class AtRisk:
    order_id: str
    deadline: datetime


@dataclass(frozen=True)
class ScorePage:
    store: str
    timezone: str
    day: date
    overall: float | None
    metrics: tuple[ScoreMetric, ...]
    at_risk: tuple[AtRisk, ...]

    @property
    def at_risk_shown(self) -> tuple[AtRisk, ...]:
        return self.at_risk[:AT_RISK_SHOWN]

    @property
    def more_at_risk(self) -> bool:
        return len(self.at_risk) > AT_RISK_SHOWN

    @property
    def trend_complete(self) -> bool:
        return all(d.counted for m in self.metrics for d in m.trend)

    @property
    def trend_days(self) -> tuple[date, ...]:
        return tuple(d.day for d in self.metrics[0].trend) if self.metrics else ()


def score_page(
    uow: ConsoleUnitOfWork, store: str, at: datetime, every_order: bool = False
) -> ScorePage:
    """The store's score as it stands at `at`, each metric with its 30-day trend, and the
    soonest orders at risk (one more than shown, to tell there are more; `every_order`: all
    of them). Raises UnknownStore."""
    limit = None if every_order else AT_RISK_SHOWN + 1
    found = score(uow=uow, store=store, at=at, at_risk_limit=limit)
    days = daily(uow=uow, store=store, at=at)
    day = date.fromisoformat(found["day"])
    metrics = tuple(
        _metric(name, m, _trend(days[name], day)) for name, m in found["metrics"].items()
    )
    wanted: dict[str, set[str]] = {}  # two metrics may name the same kind: asked once
    for m in metrics:
        if m.culprit_kind in BEHIND:
            wanted.setdefault(m.culprit_kind, set()).update(m.culprits)
    with uow:
        behind = {k: uow.console.searched_by(store, k, sorted(ids)) for k, ids in wanted.items()}
    metrics = tuple(
        replace(m, searched=behind[m.culprit_kind]) if m.culprit_kind in behind else m
        for m in metrics
    )
    risk = tuple(
        AtRisk(r["order_id"], datetime.fromisoformat(r["deadline"])) for r in found["at_risk"]
    )
    return ScorePage(store, found["timezone"], day, found["overall"], metrics, risk)


def _trend(tallies: list[Tally | None], today: date) -> tuple[DayValue, ...]:
    first = today - timedelta(days=len(tallies))
    return tuple(_day_value(first + timedelta(days=n), t) for n, t in enumerate(tallies))


def _day_value(day: date, tally: Tally | None) -> DayValue:
    if tally is None:
        return DayValue(day, None, 0, 0, counted=False)
    value = tally.numerator / tally.denominator if tally.denominator else None
    return DayValue(day, value, tally.numerator, tally.denominator)


def _metric(name: str, m: dict[str, Any], trend: tuple[DayValue, ...]) -> ScoreMetric:
    window = m["window"]
    return ScoreMetric(
        name, m["value"], m["numerator"], m["denominator"], m["target"], m["direction"],
        m["met"], date.fromisoformat(window["first"]), date.fromisoformat(window["last"]),
        tuple(m["culprits"]), CULPRITS.get(name, "other"), trend,
    )  # fmt: skip
