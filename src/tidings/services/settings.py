"""What the console's Settings screen shows: a store's settings as its events make them, what
its SMS cost this month, each journey as the store runs it, and who changed what and when.

The rule: the settings shown are the store's state with the store.upserted events still
waiting for the worker folded in by the same `apply_store` the worker runs, so that the form
always starts from what the next change must carry forward. A step's segments are counted by
`domain.sms` on the text as the engine composes it (`texts.composed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol

from tidings.domain import sms
from tidings.domain.catalogue import Catalogue
from tidings.domain.errors import UnknownStore
from tidings.domain.events import Event, StoreUpserted
from tidings.domain.events_shop import (
    ANY_PER_DAY,
    MARKETING_PER_DAY,
    MOST_ANY_PER_DAY,
    MOST_MARKETING_PER_DAY,
)
from tidings.domain.journeys import Journey, Step
from tidings.domain.scores import day_of
from tidings.domain.state import Store, apply_store
from tidings.domain.times import zone
from tidings.services.analytics.figures import daily_counts
from tidings.services.analytics.ports import Analytics
from tidings.services.analytics.report import MICROS, money
from tidings.services.decide import month_of
from tidings.services.ports import EventLog, Inbox, StateRepo
from tidings.services.texts import composed
from tidings.services.world import Keys

LOCALES = ("zh-CN", "en", "ru")
HISTORY = 20  # changes shown
CAPS = {  # each cap a store may set: (least, most, the contract's own)
    "marketing_per_day": (0, MOST_MARKETING_PER_DAY, MARKETING_PER_DAY),
    "any_per_day": (1, MOST_ANY_PER_DAY, ANY_PER_DAY),
}


@dataclass(frozen=True)
class Change:
    """Who changed the settings, when, and the names of the settings changed."""

    email: str
    changed_at: datetime
    fields: tuple[str, ...]


class SettingsLog(Protocol):
    def pending(self, store: str) -> list[Event]: ...

    def record(self, store: str, event_id: str, change: Change) -> None: ...

    def changes(self, store: str, limit: int) -> list[Change]: ...


class SettingsUnitOfWork(Protocol):
    """The state to read, the event log and inbox a change goes to, and the change log."""

    @property
    def state(self) -> StateRepo: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def inbox(self) -> Inbox: ...

    @property
    def settings(self) -> SettingsLog: ...

    @property
    def analytics(self) -> Analytics: ...

    def __enter__(self) -> SettingsUnitOfWork: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


@dataclass(frozen=True)
class JourneySwitch:
    """A journey as the store runs it: on or off, and the share it holds back."""

    journey: str
    kind: str
    enabled: bool
    holdout: float


@dataclass(frozen=True)
class SmsCost:
    """What one SMS of a text costs: its encoding, length, segments and price."""

    encoding: str
    units: int
    segments: int
    cost: Decimal


@dataclass(frozen=True)
class StepText:
    """A step's text in each locale, as the store sends it now, and what each costs."""

    journey: str
    step: str
    kind: str
    texts: dict[str, str]
    costs: dict[str, SmsCost]

    @property
    def name(self) -> str:
        return f"{self.journey}.{self.step}"


@dataclass(frozen=True)
class SettingsPage:
    store: str
    timezone: str
    currency: str
    settings: Store
    marketing_per_day: int
    any_per_day: int
    month: str
    spent: Decimal  # the report's cost of the month so far
    journeys: tuple[JourneySwitch, ...]
    steps: tuple[str, ...]  # every step whose text can be changed, as journey.step
    step: StepText | None
    changes: tuple[Change, ...]

    @property
    def budget(self) -> Decimal | None:
        budget = self.settings.monthly_sms_budget
        return None if budget is None else Decimal(budget)

    @property
    def price(self) -> Decimal:
        return self.settings.price

    @property
    def caps(self) -> dict[str, tuple[int, int, int]]:
        return CAPS


def current(uow: SettingsUnitOfWork, store_id: str) -> Store:
    """The store's settings with its waiting store.upserted events applied. Raises
    UnknownStore for a store of which nothing has arrived."""
    pending = uow.settings.pending(store_id)
    if store_id not in uow.state.store_ids() and not pending:
        raise UnknownStore(store_id)
    store = replace(uow.state.load(Keys(stores={store_id})).store(store_id))
    for event in pending:
        if isinstance(event.data, StoreUpserted):
            apply_store(store, event.data, event.occurred_at)
    return store


def page(
    uow: SettingsUnitOfWork, catalogue: Catalogue, store_id: str, at: datetime, step: str = ""
) -> SettingsPage:
    """The settings screen of `store_id` at `at`, the text of `step` (journey.step, else the
    first SMS step) shown. Raises UnknownStore."""
    with uow:
        store = current(uow, store_id)
        changes = tuple(uow.settings.changes(store_id, HISTORY))
        spent = month_cost(uow.analytics, store, at)
    journeys = catalogue.for_store(store.journeys)
    switches = tuple(JourneySwitch(j.name, j.kind, j.enabled, j.holdout) for j in journeys.values())
    steps = tuple(f"{j.name}.{s.name}" for j in journeys.values() for s in editable(j))
    chosen = step if step in steps else (steps[0] if steps else "")
    return SettingsPage(
        store_id, store.timezone, store.currency, store, store.marketing_per_day,
        store.any_per_day,
        month_of(at, store), spent, switches, steps, step_text(journeys, store, chosen), changes,
    )  # fmt: skip


def month_cost(reader: Analytics, store: Store, at: datetime) -> Decimal:
    """What the store's SMS cost from the first of its month to the end of today: the report's
    own figures of those days (kept or counted), so its report of them gives the same."""
    tz = zone(store.timezone)
    today = day_of(at, tz)
    days = daily_counts(reader, store.store_id, today.replace(day=1), today, tz)  # no outcomes
    spent = sum(c.cost_micros for _, counts in days for c in counts if c.status == "sent")
    return Decimal(money(spent / MICROS))


def editable(journey: Journey) -> list[Step]:
    """The steps whose text a store may change here: SMS with one text per locale (a step
    with variants keeps them, changed in the journeys file or through the API)."""
    return [
        s
        for s in journey.steps
        if s.channel == "sms" and all(isinstance(t, str) for t in s.template.values())
    ]


def step_text(journeys: dict[str, Journey], store: Store, name: str) -> StepText | None:
    journey_name, _, step_name = name.partition(".")
    journey = journeys.get(journey_name)
    if journey is None:
        return None
    step = next((s for s in editable(journey) if s.name == step_name), None)
    if step is None:
        return None
    texts = {loc: str(step.template[loc]) for loc in LOCALES if loc in step.template}
    costs = {loc: cost_of(store, journey.kind, loc, text) for loc, text in texts.items()}
    return StepText(journey.name, step.name, journey.kind, texts, costs)


def cost_of(store: Store, kind: str, locale: str, text: str) -> SmsCost:
    """One SMS of `text` as the engine composes it for `store` (its signature first, the
    opt-out hint last on marketing), counted as written: each {{ variable }} counts as its
    own letters until a message fills it in."""
    body = composed(text.strip(), store.sms_signature, locale, kind == "marketing")
    info = sms.count(body)
    return SmsCost(info.encoding, info.units, info.segments, info.segments * store.price)


def live_cost(
    uow: SettingsUnitOfWork, catalogue: Catalogue, store_id: str, step: str, locale: str,
    text: str, signature: str | None = None,
) -> tuple[SmsCost, str] | None:  # fmt: skip
    """What `text` in `locale` would cost as the text of `step` (journey.step), signed with
    `signature` as typed (else the store's), and the store's currency; None for a step or
    locale the store has no text of."""
    with uow:
        store = current(uow, store_id)
    shown = step_text(catalogue.for_store(store.journeys), store, step)
    if shown is None or locale not in shown.texts:
        return None
    if signature is not None:
        store = replace(store, sms_signature=signature.strip())
    return cost_of(store, shown.kind, locale, text), store.currency
