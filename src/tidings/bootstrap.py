"""The one place that wires adapters into services. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DbEngine

from tidings.adapters import contract, journeys_loader, jsonl
from tidings.adapters.db.analytics.uow import SqlAnalyticsUnitOfWork
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.providers.recording import RecordingSender
from tidings.adapters.templates import JinjaRenderer
from tidings.config import Settings
from tidings.domain.catalogue import Catalogue
from tidings.domain.events import Event, EventRecord
from tidings.domain.messages import Message
from tidings.services import replay as replay_service
from tidings.services.analytics import report as report_service
from tidings.services.analytics import score as score_service
from tidings.services.analytics.ports import AnalyticsUnitOfWork
from tidings.services.engine import Engine
from tidings.services.ports import Sender, UnitOfWork
from tidings.services.texts import Texts
from tidings.services.world import Keys

parse_line = contract.parse_line
parse_object = contract.parse_object


@dataclass
class App:
    db: DbEngine
    catalogue: Catalogue
    engine: Engine
    sender: Sender
    settings: Settings

    def unit_of_work(self) -> UnitOfWork:
        return SqlUnitOfWork(self.db)

    journeys: Path | None = None

    def check(self, event: Event, where: str) -> Event:
        """Checks that need the journeys in force: a store's overrides must name real ones."""
        return contract.check_event(self.catalogue, event, where)

    def read_jsonl(
        self, stream: Iterable[str], report: Callable[[str], None], parallel: bool = True
    ) -> Iterator[EventRecord]:
        """The good events of a JSONL stream; each bad line's error goes to `report`."""
        return jsonl.read(stream, self.catalogue, report, self.journeys, parallel)

    def read_sorted(self, path: Path, report: Callable[[str], None]) -> Iterator[Event] | None:
        """The good events of a JSONL file in sorted-arrival order; None if too far out of it."""
        return jsonl.read_sorted(path, self.catalogue, report)

    def replay(
        self,
        events: Iterable[Event | EventRecord],
        until: datetime | None,
        progress: replay_service.Progress | None = None,
        ordered: bool = False,
    ) -> replay_service.ReplayStats:
        return replay_service.replay(
            events=events,
            until=until,
            unit_of_work=self.unit_of_work,
            engine=self.engine,
            sender=self.sender,
            batch=self.settings.batch_size,
            progress=progress,
            ordered=ordered,
        )

    def decided(self, stores: Sequence[str]) -> Iterable[Message]:
        with self.unit_of_work() as uow:
            yield from uow.outbox.decided(stores)

    def store_zones(self, stores: Iterable[str]) -> dict[str, str]:

        with self.unit_of_work() as uow:
            world = uow.state.load(Keys(stores=set(stores)))
        return {sid: world.store(sid).timezone for sid in stores}

    # --- measured outcomes: plain JSON-ready dicts for the CLI and the HTTP API ------------

    def analytics_unit_of_work(self) -> AnalyticsUnitOfWork:
        return SqlAnalyticsUnitOfWork(self.db)

    def score(self, store: str, at: datetime | None = None) -> dict[str, Any]:
        """The store service score at `at` (aware; default now). Raises UnknownStore."""
        at = at or datetime.now(UTC)
        return score_service.score(uow=self.analytics_unit_of_work(), store=store, at=at)

    def report(self, store: str, first: date, last: date) -> dict[str, Any]:
        """What the messages of the store's local days `first` … `last` did. Raises
        UnknownStore, InvalidPeriod."""
        uow = self.analytics_unit_of_work()
        return report_service.report(uow=uow, store=store, first=first, last=last)

    def targets(self, store: str) -> dict[str, Any]:
        """The score targets in force for `store`."""
        return score_service.get_targets(uow=self.analytics_unit_of_work(), store=store)

    def set_targets(
        self, store: str, targets: Mapping[str, str | Decimal | None]
    ) -> dict[str, Any]:
        """Override (a number) or clear (None) score targets. Raises InvalidTarget."""
        uow = self.analytics_unit_of_work()
        return score_service.set_targets(uow=uow, store=store, targets=targets)


def build(
    settings: Settings | None = None,
    *,
    journeys: Path | None = None,
    sender: Sender | None = None,
    migrate: bool = True,
) -> App:
    settings = settings or Settings()
    db = make_engine(settings.database_url)
    if migrate:
        upgrade(db)
    catalogue = journeys_loader.catalogue(journeys)
    texts = Texts(catalogue, JinjaRenderer(), settings.link_secret.encode())
    return App(db, catalogue, Engine(texts), sender or RecordingSender(), settings, journeys)


def upgrade_database(url: str) -> None:
    upgrade(make_engine(url))
