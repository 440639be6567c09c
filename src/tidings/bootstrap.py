"""The one place that wires adapters into services. Nothing is built at import time."""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import InterfaceError, OperationalError

from tidings.adapters import contract, journeys_loader, jsonl, memory, redact
from tidings.adapters.connectors import PLATFORMS, PULLERS
from tidings.adapters.db import instance, maintenance, privacy
from tidings.adapters.db.analytics.uow import SqlAnalyticsUnitOfWork
from tidings.adapters.db.console import SqlConsoleUnitOfWork
from tidings.adapters.db.engine import (
    CACHE_MIB,
    REPLAY_CACHE_MIB,
    make_engine,
    plans_by_statistics,
)
from tidings.adapters.db.migrate import behind, upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.passwords import Argon2Passwords
from tidings.adapters.providers.file import FileProvider
from tidings.adapters.templates import JinjaRenderer
from tidings.config import REPLAY_SECRET, ProviderSettings, Settings
from tidings.domain.catalogue import Catalogue
from tidings.domain.connectors import UNSIGNED, Credentials, Delivery
from tidings.domain.delivery import Claim, Receipt, Reply, RetryPolicy
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import Event, EventRecord
from tidings.domain.journeys import Journey
from tidings.domain.messages import Message
from tidings.domain.provider_templates import VARIABLE_LIMITS, ProviderTemplate, variables_of
from tidings.domain.state import Store
from tidings.domain.times import Every
from tidings.services import connectors, consent, imports, keys, pulling
from tidings.services import replay as replay_service
from tidings.services.analytics import report as report_service
from tidings.services.analytics import score as score_service
from tidings.services.analytics.figures import Keeper
from tidings.services.analytics.ports import AnalyticsUnitOfWork
from tidings.services.console_ports import ConsoleUnitOfWork
from tidings.services.delivery import Dispatcher
from tidings.services.engine import Engine
from tidings.services.live import Worker
from tidings.services.people import Passwords
from tidings.services.ports import Provider, UnitOfWork
from tidings.services.provider_templates import ForApproval, for_approval
from tidings.services.retention import Retention
from tidings.services.routing import RateLimit, Routes
from tidings.services.settings import SettingsUnitOfWork
from tidings.services.texts import Texts
from tidings.services.world import Keys

parse_line = contract.parse_line
loads = contract.loads  # JSON from outside, its nesting bounded
parse_object = contract.parse_object
array_items = contract.array_items  # a JSON array, each element with its own text
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


def verify_push_token(expected: str, given: str | None) -> bool:
    """Does a push URL carry the provider's callback token? (constant time)"""
    import hmac

    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


ANALYZE_EVERY = timedelta(seconds=10)  # the worker shows the planner the tables that grew
PUSHED = ("aliyun_sms", "tencent_sms", "smsru")  # providers that push reports or replies


def pushed(kind: str, what: str, name: str, raw: bytes, at: datetime) -> list[Receipt | Reply]:
    """A push of provider type `kind` (`what`: report or reply) as receipts or replies: JSON,
    its nesting bounded, or SMS.ru's form. Raises InvalidEvent."""
    module = importlib.import_module(f"tidings.adapters.providers.{kind}")
    try:
        body = module.form_of(raw) if kind == "smsru" else contract.loads(raw)
    except ValueError:
        raise InvalidEvent("the push is not JSON", field="body") from None
    read = module.receipts_from if what == "report" else module.replies_from
    return list(read(name, body, at))


def push_answer(kind: str) -> dict[str, Any] | str:
    """What a provider of type `kind` expects back once its push is kept."""
    answer: dict[str, Any] | str = importlib.import_module(
        f"tidings.adapters.providers.{kind}"
    ).ANSWER
    return answer


def utc_now() -> datetime:
    return datetime.now(UTC)


class Wakeup(Protocol):
    """What the worker of this process or of this server waits on: a `threading.Event`, or the
    server's end of its worker's pipe (`entrypoints/worker.py: Waker`)."""

    def set(self) -> None: ...


@dataclass
class App:
    db: DbEngine
    catalogue: Catalogue
    engine: Engine
    dispatcher: Dispatcher
    settings: Settings
    journeys: Path | None = None
    clock: Callable[[], datetime] = utc_now
    wakeup: Wakeup = field(default_factory=threading.Event)
    passwords: Passwords = field(default_factory=Argon2Passwords)
    _cdek: Any = None  # CDEK's API client, its tokens kept between deliveries

    def wake(self) -> None:
        """New work came in: the worker of this process (or of this server) starts a round now."""
        self.wakeup.set()

    def webhook_secret(self, provider: str) -> str | None:
        """The key an HTTP SMS provider signs its webhooks with."""
        conf = self.settings.providers.get(provider)
        if conf is None or conf.type != "http_sms":
            return None
        return str(conf.options.get("auth_token") or "") or None  # none: nothing is signed

    def push_token(self, provider: str) -> tuple[str, str | None] | None:
        """(type, token) of a provider whose reports and replies are pushed, its URLs carrying
        the token (None: no such provider; a None token: no push is taken)."""
        conf = self.settings.providers.get(provider)
        if conf is None or conf.type not in PUSHED:
            return None
        return conf.type, str(conf.options.get("callback_token") or "") or None

    def readiness(self) -> dict[str, str]:
        """Each check `/readyz` makes and what it found: "ok", or what is wrong."""
        try:
            with self.db.connect() as conn:
                return {"database": "ok", "schema": behind(conn) or "ok"}
        except DATABASE_DOWN as exc:
            return {"database": f"cannot be reached ({type(exc).__name__})"}

    def unit_of_work(self, read_only: bool = False) -> UnitOfWork:
        """One transaction; a `read_only` one never waits for SQLite's writer."""
        return SqlUnitOfWork(self.db, read_only=read_only)

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
            give_back=memory.give_back,
        )

    def decided(self, stores: Sequence[str]) -> Iterable[Message]:
        with self.unit_of_work(read_only=True) as uow:
            yield from uow.outbox.decided(stores)

    def store_zones(self, stores: Iterable[str]) -> dict[str, str]:
        with self.unit_of_work(read_only=True) as uow:
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

    # --- approved templates of template-based SMS providers --------------------------------

    def template_provider(self, provider: str) -> str:
        """The type of a configured template-based provider. Raises ValueError."""
        conf = self.settings.providers.get(provider)
        if conf is None or conf.type not in VARIABLE_LIMITS:
            kinds = ", ".join(sorted(VARIABLE_LIMITS))
            raise ValueError(f"{provider!r} is no configured template-based provider ({kinds})")
        return conf.type

    def set_template(
        self, store: str, provider: str, step: str, locale: str, code: str,
        variables: Sequence[tuple[str, str]] = (),
    ) -> ProviderTemplate:  # fmt: skip
        """Register the approved template `code` of `step` (journey.step) in `locale`; its
        variables default to the step's own fields. Raises ValueError."""
        self.template_provider(provider)
        journey, _, name = step.partition(".")
        with self.unit_of_work() as uow:
            found = self.engine.texts.journeys(_store(uow, store)).get(journey)
            texts = found.step(name).template if found and _has(found, name) else None
            if texts is None:
                raise ValueError(f"store {store!r} has no journey step {step!r}")
            if locale not in texts:
                raise ValueError(f"step {step!r} has no {locale} text")
            text = texts[locale] if isinstance(texts[locale], str) else texts[locale][0]
            given = tuple(variables) or variables_of(str(text))
            template = ProviderTemplate(store, provider, journey, name, locale, code, given)
            uow.templates.set(template, self.clock())
            uow.commit()
        return template

    def templates(self, store: str, provider: str | None = None) -> list[ProviderTemplate]:
        with self.unit_of_work() as uow:
            return uow.templates.of_store(store, provider)

    def for_approval(self, store: str, provider: str, locale: str) -> list[ForApproval]:
        """Each SMS step of the store in `locale`, written for approval at `provider`."""
        kind = self.template_provider(provider)
        with self.unit_of_work() as uow:
            shop = _store(uow, store)
        journeys = self.engine.texts.journeys(shop)
        return for_approval(journeys, kind, shop.sms_signature, locale or shop.locale)

    # --- connectors: a store's platforms, and their webhooks -------------------------------

    def platform(self, source: str) -> connectors.Platform | None:
        """The module that reads `source`'s webhooks (None for a source tidings has not)."""
        return PLATFORMS.get(source)

    def puller(self, source: str) -> pulling.Puller | None:
        """What asks `source` (None for a platform that pushes to its hook)."""
        return PULLERS.get(source)

    def contract_event(self, obj: dict[str, Any]) -> Event:
        """A translator's JSON object as a checked contract event (InvalidEvent if not)."""
        where = f"{obj.get('type')} {obj.get('id')!r}"
        return self.check(contract.parse_object(obj), where)

    def hook_url(self, source: str, store: str, secret: str = "{secret}") -> str:
        """Where `source` posts for `store`; a platform that signs nothing has the connector's
        secret in it (shown once, when the connector is added)."""
        url = f"{self.settings.public_url.rstrip('/')}/hooks/{source}/{store}"
        return f"{url}?token={secret}" if source in UNSIGNED else url

    def add_connector(
        self, store: str, source: str, secret: str, settings: Mapping[str, str | None] | None = None
    ) -> str:
        """Connect `source` to `store` with its `settings` (a pulled platform's app key, token,
        endpoint; CDEK's API client); its webhook URL. Raises InvalidEvent."""
        with self.unit_of_work() as uow:
            connectors.add(uow, store, source, secret, self.clock(), settings)
            uow.commit()
        return self.hook_url(source, store, secret.strip())

    def read_back(self, delivery: Delivery, credentials: Credentials) -> Delivery:
        """A delivery with what its platform says when asked back (CDEK's order), before it is
        translated; any other platform's as it came."""
        if delivery.source != "cdek":
            return delivery
        if self._cdek is None:
            import httpx

            from tidings.adapters.connectors.cdek_api import CdekApi

            self._cdek = CdekApi(httpx.Client(timeout=10), self.clock, self.settings.cdek_api_url)
        found: Delivery = self._cdek.read_back(delivery, credentials)
        return found

    def pull(self, store: str, source: str, http: Any = None) -> dict[str, int]:
        """Ask `source` now for what changed for `store`; counts by outcome. Raises LookupError
        (no such connector, or a platform tidings does not pull) and PlatformError."""
        if source not in PULLERS:
            raise LookupError(f"{source} is not a platform tidings pulls")
        with self._http(http) as client:
            counts = pulling.pull(self.unit_of_work, client, store, source, PULLERS[source],
                                  PLATFORMS[source], self.contract_event, self.clock)  # fmt: skip
        self.wake()
        return counts

    def pull_due(self, http: Any = None) -> int:
        """Every pulled connector whose time has come (the worker asks each round)."""
        sources = {name: (puller, PLATFORMS[name]) for name, puller in PULLERS.items()}
        if not pulling.due(self.unit_of_work, PULLERS, self.clock()):
            return 0  # no client made each round for nothing
        with self._http(http) as client:
            taken = pulling.pull_due(
                self.unit_of_work, client, sources, self.contract_event, self.clock
            )
        if taken:
            self.wake()
        return taken

    @staticmethod
    def _http(http: Any) -> Any:
        import httpx

        return contextlib.nullcontext(http) if http is not None else httpx.Client(timeout=30)

    def connectors(self, store: str | None = None) -> list[dict[str, str]]:
        """The connectors (of `store`, or all), without their secrets."""
        with self.unit_of_work() as uow:
            rows = uow.connectors.listed(store)
        return [{"store": s, "source": src, "webhook_url": self.hook_url(src, s),
                 "added_at": at.isoformat()} for s, src, at in rows]  # fmt: skip

    def remove_connector(self, store: str, source: str) -> bool:
        with self.unit_of_work() as uow:
            done = uow.connectors.remove(store, source)
            uow.commit()
        return done

    def retry_failures(self, store: str, source: str) -> dict[str, int]:
        """Translate again the deliveries from `source` that failed; counts by outcome."""
        platform = PLATFORMS[source]
        with self.unit_of_work() as uow:
            credentials = uow.connectors.credentials(store, source) or Credentials("")
            counts = connectors.retranslate(
                uow, platform, store, source, self.contract_event, self.clock(),
                lambda delivery: self.read_back(delivery, credentials),
            )  # fmt: skip
            uow.commit()
        self.wake()
        return counts

    def catch_up_shopify(
        self, store: str, shop: str, token: str, since: datetime, client: Any = None
    ) -> dict[str, int]:
        """Take in the orders the Shopify shop changed since `since`, as their webhooks would
        have been; counts by outcome. Raises PlatformError (and LookupError when the store has
        no Shopify connector)."""
        import httpx

        from tidings.adapters.connectors import shopify, shopify_sync

        with self.unit_of_work() as uow:
            if uow.connectors.secret(store, "shopify") is None:
                raise LookupError(f"store {store!r} has no shopify connector: add it first")
        counts: dict[str, int] = {}
        with httpx.Client(timeout=30) if client is None else client as http:
            for page in shopify_sync.pages(http, shop, token, since):
                with self.unit_of_work() as uow:
                    facts, now = uow.connectors.facts(store), self.clock()
                    for order in page:
                        for item in shopify_sync.deliveries(order, store, now, facts):
                            got = connectors.receive(uow, shopify, item, self.contract_event)
                            counts[got.outcome] = counts.get(got.outcome, 0) + 1
                    uow.commit()
                self.wake()
        return counts

    def import_orders(
        self,
        lines: Iterable[str],
        store: str,
        fmt: str,
        report: imports.Report,
        progress: Callable[[imports.Imported], None] | None = None,
    ) -> imports.Imported:
        """Take in `store`'s order export (`fmt`: shopify, woocommerce, generic; its text
        lines); each bad order goes to `report` with its line. The worker takes them in.
        Raises LookupError for a store not known yet (its zone, region and currency read the
        file)."""
        from tidings.adapters.connectors import exports

        with self.unit_of_work(read_only=True) as uow:
            facts = uow.connectors.facts(store)
        if facts.currency is None:  # every store.upserted gives one
            raise LookupError(f"store {store!r} is not known yet: send its store.upserted first")
        now = self.clock()
        orders = ((found.line, found.events if isinstance(found, exports.Order) else found.reason)
                  for found in exports.read(lines, fmt, store, facts, now))  # fmt: skip
        done = imports.import_orders(orders, parse=self.contract_event, at=now, report=report,
                                     unit_of_work=self.unit_of_work, progress=progress)  # fmt: skip
        self.wake()
        return done

    def worker(self) -> Worker:
        return Worker(
            self.engine,
            self.dispatcher,
            self.unit_of_work,
            self.clock,
            batch=self.settings.worker_batch,
            read_unit_of_work=lambda: self.unit_of_work(read_only=True),
            retention=Retention(self._retention_days(), self.unit_of_work),
            pulls=self.pull_due if PULLERS else None,
            keeper=Keeper(lambda: self.analytics_unit_of_work(read_only=False)).run,
            analyze=Every(ANALYZE_EVERY) if plans_by_statistics(self.db) else None,
        )

    def _retention_days(self) -> dict[str, int]:
        stores = self.settings.stores.items()
        return {s: c.retention_days for s, c in stores if c.retention_days is not None}

    def close(self) -> None:
        for provider in self.dispatcher.providers.values():
            provider.close()
        if self._cdek is not None:
            self._cdek.client.close()
        self.db.dispose()

    def console_unit_of_work(self, read_only: bool = False) -> ConsoleUnitOfWork:
        """The seller's console's reads and people (services/queries_console.py); a
        `read_only` one (a screen that only reads) cannot commit, and on SQLite waits for
        no writer."""
        return SqlConsoleUnitOfWork(self.db, read_only=read_only)

    def settings_unit_of_work(self) -> SettingsUnitOfWork:
        """The settings screen's: the store's state, the event log and inbox a change goes
        to, and who changed what (services/settings.py)."""
        return SqlConsoleUnitOfWork(self.db)

    # --- measured outcomes: plain JSON-ready dicts for the CLI and the HTTP API ------------

    def analytics_unit_of_work(self, read_only: bool = True) -> AnalyticsUnitOfWork:
        return SqlAnalyticsUnitOfWork(self.db, read_only=read_only)

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
        uow = self.analytics_unit_of_work(read_only=False)
        return score_service.set_targets(uow=uow, store=store, targets=targets)


def _store(uow: UnitOfWork, store: str) -> Store:
    if store not in uow.state.store_ids():
        raise ValueError(f"no store {store!r}")
    return uow.state.load(Keys(stores={store})).store(store)


def _has(journey: Journey, step: str) -> bool:
    return any(s.name == step for s in journey.steps)


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
    cache = CACHE_MIB if live else REPLAY_CACHE_MIB
    db = make_engine(settings.database_url, settings.sqlite_busy_seconds, cache)
    if migrate:
        upgrade(db)
    catalogue = journeys_loader.catalogue(journeys)
    if settings.link_secret == REPLAY_SECRET:  # none set
        settings = settings.model_copy(update={"link_secret": _own_secret(db, live)})
    secret = settings.link_secret.encode()
    texts = Texts(catalogue, JinjaRenderer(), secret, settings.public_url.rstrip("/"))
    if providers is None:
        providers = _providers(settings, db) if live else {"file": FileProvider()}
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


def _providers(settings: Settings, db: DbEngine) -> dict[str, Provider]:
    out: dict[str, Provider] = {"file": FileProvider("file", settings.outbox)}
    for name, conf in settings.providers.items():
        out[name] = make_provider(name, conf, db)
    return out


def make_provider(name: str, conf: ProviderSettings, db: DbEngine | None = None) -> Provider:
    """The adapter of a configured provider; an SMPP one keeps its parts in `db`."""
    options = conf.options
    if conf.type == "file":
        return FileProvider(name, options.get("path"))
    if conf.type == "http_sms":
        from tidings.adapters.providers.http_sms import HttpSmsProvider

        return HttpSmsProvider(name, **options)
    if conf.type == "aliyun_sms":
        from tidings.adapters.providers.aliyun_sms import AliyunSmsProvider

        return AliyunSmsProvider(name, **options)
    if conf.type == "tencent_sms":
        from tidings.adapters.providers.tencent_sms import TencentSmsProvider

        return TencentSmsProvider(name, **options)
    if conf.type == "taobao_relay":
        from tidings.adapters.providers.taobao_relay import TaobaoRelayProvider

        return TaobaoRelayProvider(name, **options)
    if conf.type == "jd_relay":
        from tidings.adapters.providers.jd_relay import JdRelayProvider

        return JdRelayProvider(name, **options)
    if conf.type == "smsru":
        from tidings.adapters.providers.smsru import SmsRuProvider

        return SmsRuProvider(name, **options)
    if conf.type == "smtp":
        from tidings.adapters.providers.smtp import SmtpProvider

        return SmtpProvider(name, **options)
    if conf.type == "smpp":
        from tidings.adapters.db.smpp_parts import SqlSmppParts
        from tidings.adapters.providers.smpp import SmppProvider

        kept = SqlSmppParts(db, name) if db is not None else None
        return SmppProvider(name=name, kept=kept, **options)
    raise ValueError(f"provider {name}: unknown type {conf.type!r}")


ROUTED = ("sms", "email", "review_reply", "taobao", "jd")  # channels and platforms' relays


def _routes(settings: Settings) -> Routes:
    stores = {
        sid: {ch: getattr(conf, ch) for ch in ROUTED if getattr(conf, ch)}
        for sid, conf in settings.stores.items()
    }
    senders = {
        sid: {"sms": conf.sms_sender, "email": conf.email_sender}
        for sid, conf in settings.stores.items()
    }
    return Routes(dict(settings.channels), stores, senders, templated(settings))


def templated(settings: Settings) -> dict[str, int]:
    """The providers that send approved templates only, with their variables' length limit."""
    return {
        name: int(conf.options.get("variable_limit") or VARIABLE_LIMITS[conf.type])
        for name, conf in settings.providers.items()
        if conf.type in VARIABLE_LIMITS
    }


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


def backup_database(url: str, target: Path) -> int | None:
    """An online backup of the SQLite database at `url` into the new file `target`; pages
    copied. None for PostgreSQL, which its own pg_dump backs up."""
    engine = make_engine(url)
    try:
        return maintenance.backup(engine, target)
    except maintenance.NotSqlite:
        return None
    finally:
        engine.dispose()
