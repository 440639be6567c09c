"""The one place that wires adapters into services. Nothing is built at import time."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import InterfaceError, OperationalError

from tidings.adapters import contract, journeys_loader, jsonl, redact
from tidings.adapters.db import instance, privacy
from tidings.adapters.db.analytics.uow import SqlAnalyticsUnitOfWork
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import behind, upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.providers.file import FileProvider
from tidings.adapters.templates import JinjaRenderer
from tidings.config import REPLAY_SECRET, ProviderSettings, Settings
from tidings.domain.catalogue import Catalogue
from tidings.domain.delivery import Claim, Receipt, Reply, RetryPolicy
from tidings.domain.events import Event, EventRecord
from tidings.domain.messages import Message
from tidings.services import consent, keys
from tidings.services import replay as replay_service
from tidings.services.analytics import report as report_service
from tidings.services.analytics import score as score_service
from tidings.services.analytics.ports import AnalyticsUnitOfWork
from tidings.services.delivery import Dispatcher
from tidings.services.engine import Engine
from tidings.services.live import Worker
from tidings.services.ports import Provider, UnitOfWork
from tidings.services.routing import RateLimit, Routes
from tidings.services.texts import Texts
from tidings.services.world import Keys

parse_line = contract.parse_line
loads = contract.loads  # JSON from outside, its nesting bounded
parse_object = contract.parse_object
# What the database driver raises when the server is down, restarting or busy past its wait:
# the request can be sent again once it is back (the API answers 503).
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def redact_access_log(logger: str = "uvicorn.access") -> None:
    """The access log keeps no key or token of a shopper's page in clear."""
    logging.getLogger(logger).addFilter(redact.UrlSecrets())


# The providers' adapters are imported when a provider or a webhook needs them (they bring
# httpx, smpplib, smtplib): the embedded default and the read-side commands need none.


def verify_webhook(token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    """Did the HTTP SMS provider holding `token` sign this webhook?"""
    from tidings.adapters.providers import http_sms

    return http_sms.verify(token, url, form, signature)


def reply_from(name: str, params: Mapping[str, str], at: datetime) -> Reply:
    """An HTTP SMS provider's inbound webhook as a shopper's reply."""
    from tidings.adapters.providers import http_sms

    return http_sms.reply_from(name, params, at)


def receipt_from(name: str, params: Mapping[str, str], at: datetime) -> Receipt | None:
    """A status callback's receipt (None for a status that is not final)."""
    from tidings.adapters.providers import http_sms

    return http_sms.receipt_from(name, params, at)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    db: DbEngine
    catalogue: Catalogue
    engine: Engine
    dispatcher: Dispatcher
    settings: Settings
    journeys: Path | None = None
    clock: Callable[[], datetime] = utc_now
    wakeup: threading.Event = field(default_factory=threading.Event)

    def wake(self) -> None:
        """New work came in: the worker of this process starts a round now."""
        self.wakeup.set()

    def webhook_secret(self, provider: str) -> str | None:
        """The key an HTTP SMS provider signs its webhooks with."""
        conf = self.settings.providers.get(provider)
        if conf is None or conf.type != "http_sms":
            return None
        return str(conf.options.get("auth_token") or "") or None  # none: nothing is signed

    def readiness(self) -> dict[str, str]:
        """Each check `/readyz` makes and what it found: "ok", or what is wrong."""
        try:
            with self.db.connect() as conn:
                return {"database": "ok", "schema": behind(conn) or "ok"}
        except DATABASE_DOWN as exc:
            return {"database": f"cannot be reached ({type(exc).__name__})"}

    def unit_of_work(self) -> UnitOfWork:
        return SqlUnitOfWork(self.db)

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
            dispatcher=self.dispatcher,
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

    def create_key(self, store: str, label: str = "") -> str:
        """A new API key of `store`, shown this once."""
        with self.unit_of_work() as uow:
            key = keys.create(uow, store, label, self.clock())
            uow.commit()
        return key

    def rotate_key(self, key: str, grace: timedelta) -> keys.Rotated | None:
        """A new key of the same store; the old one works `grace` longer. Raises Conflict."""
        with self.unit_of_work() as uow:
            rotated = keys.rotate(uow, key, grace, self.clock())
            uow.commit()
        return rotated

    def revoke_key(self, key: str) -> bool:
        with self.unit_of_work() as uow:
            done = keys.revoke(uow, key, self.clock())
            uow.commit()
        return done

    def erase_customer(self, store: str, customer: str) -> dict[str, int]:
        """Erase a customer's personal data (services.consent), then its copies outside the
        rows: the file providers' lines, the database's old row versions. Counts by place.
        Raises KeyError for an unknown customer."""
        with self.unit_of_work() as uow:
            erased = consent.erase_customer(uow, store, customer, self.clock())
            uow.commit()
        files = [p for p in self.dispatcher.providers.values() if isinstance(p, FileProvider)]
        lines = sum(file.erase(erased.messages) for file in files)
        privacy.scrub(self.db)
        return erased.counts | {"outbox_lines": lines}

    def worker(self) -> Worker:
        return Worker(
            self.engine,
            self.dispatcher,
            self.unit_of_work,
            self.clock,
            batch=self.settings.worker_batch,
        )

    def close(self) -> None:
        for provider in self.dispatcher.providers.values():
            provider.close()
        self.db.dispose()

    # --- measured outcomes: plain JSON-ready dicts for the CLI and the HTTP API ------------

    def analytics_unit_of_work(self) -> AnalyticsUnitOfWork:
        return SqlAnalyticsUnitOfWork(self.db)

    def score(self, store: str, at: datetime | None = None) -> dict[str, Any]:
        """The store service score at `at` (aware; default now). Raises UnknownStore."""
        at = at or self.clock()
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
    live: bool = False,
    providers: dict[str, Provider] | None = None,
    migrate: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> App:
    """The app over the configured database. `live`: the configured providers and the real
    clock's dispatch (serve, worker); else replay's: every channel to a file in memory."""
    settings = settings or Settings()
    db = make_engine(settings.database_url)
    if migrate:
        upgrade(db)
    catalogue = journeys_loader.catalogue(journeys)
    if settings.link_secret == REPLAY_SECRET:  # none set
        settings = settings.model_copy(update={"link_secret": _own_secret(db, live)})
    secret = settings.link_secret.encode()
    texts = Texts(catalogue, JinjaRenderer(), secret, settings.public_url.rstrip("/"))
    if providers is None:
        providers = _providers(settings) if live else {"file": FileProvider()}
    routes = _routes(settings) if live else Routes()
    dispatcher = Dispatcher(
        providers,
        routes,
        lambda: SqlUnitOfWork(db),
        owner=f"w-{uuid.uuid4().hex[:12]}" if live else "replay",
        policy=RetryPolicy(
            timedelta(seconds=settings.retry_first_seconds),
            timedelta(seconds=settings.retry_cap_seconds),
            timedelta(hours=settings.max_age_hours),
        ),
        lease=timedelta(seconds=settings.lease_seconds),
        in_flight=settings.in_flight,
        limits=_limits(settings) if live else {},
        unsubscribe=texts.unsubscribe_url,
        callbacks=_callbacks(settings) if live else None,
    )
    engine = Engine(texts, dispatcher)
    return App(db, catalogue, engine, dispatcher, settings, journeys, clock)


def _own_secret(db: DbEngine, live: bool) -> str:
    """The database's own link secret, made now for a live store that has none. The public
    replay one signs only where no live store ever ran (replay's own database): a replay into
    a live store's database signs with its secret, so nothing it adds there can be forged."""
    if live:
        return instance.link_secret(db)
    return instance.kept_link_secret(db) or REPLAY_SECRET


def _providers(settings: Settings) -> dict[str, Provider]:
    out: dict[str, Provider] = {"file": FileProvider("file", settings.outbox)}
    for name, conf in settings.providers.items():
        out[name] = make_provider(name, conf)
    return out


def make_provider(name: str, conf: ProviderSettings) -> Provider:
    """The adapter of a configured provider."""
    options = conf.options
    if conf.type == "file":
        return FileProvider(name, options.get("path"))
    if conf.type == "http_sms":
        from tidings.adapters.providers.http_sms import HttpSmsProvider

        return HttpSmsProvider(name, **options)
    if conf.type == "smtp":
        from tidings.adapters.providers.smtp import SmtpProvider

        return SmtpProvider(name, **options)
    if conf.type == "smpp":
        from tidings.adapters.providers.smpp import SmppProvider

        return SmppProvider(name=name, **options)
    raise ValueError(f"provider {name}: unknown type {conf.type!r}")


def _routes(settings: Settings) -> Routes:
    stores = {
        sid: {ch: getattr(conf, ch) for ch in ("sms", "email", "review_reply") if getattr(conf, ch)}
        for sid, conf in settings.stores.items()
    }
    senders = {
        sid: {"sms": conf.sms_sender, "email": conf.email_sender}
        for sid, conf in settings.stores.items()
    }
    return Routes(dict(settings.channels), stores, senders)


def _limits(settings: Settings) -> dict[str, RateLimit]:
    return {
        name: RateLimit(conf.rate, time.monotonic, time.sleep)
        for name, conf in settings.providers.items()
        if conf.rate
    }


def _callbacks(settings: Settings) -> Callable[[str, Claim], str | None]:
    base = settings.public_url.rstrip("/")
    http = {n for n, c in settings.providers.items() if c.type == "http_sms"}

    def url(provider: str, claim: Claim) -> str | None:
        """The provider's status URL; it names no message (the receipt's reference does)."""
        return f"{base}/v1/providers/{provider}/status" if provider in http else None

    return url


def upgrade_database(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
