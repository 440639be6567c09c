"""Russian Post and Boxberry polled end to end against their fakes on loopback, on SQLite and
PostgreSQL: only the store's open parcels with that carrier are asked, at a bounded pace; a
history that grows adds only what is new; an unknown number is kept once with its reason; a
rate limit and a spent day are waited out; and no addressee's name or phone is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from parcel_servers import LOGIN, PASSWORD, TOKEN, Boxberry, RussianPost
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, checkpoint, customer, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.domain.errors import PlatformError

NOW = datetime(2026, 11, 12, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
PERSONAL = ("ПЕТРОВ", "НИКОЛАЙ", "79161234567", "+7916", "Rcpn", "Phone")


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock = Clock(NOW)
    app = live(db_url, clock, {"file": ScriptedProvider()})
    acme = store(NOW - timedelta(days=30), timezone="Europe/Moscow", default_region="RU",
                 currency="RUB", locale="ru", sms_signature="")  # fmt: skip
    post(app, [acme, customer("c1", "+79160000001", NOW - timedelta(days=9))])
    yield app, clock
    app.close()


def _ship(app, clock, *parcels: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """An order and its shipment for each (number, carrier as the shop wrote it)."""
    when = clock() - timedelta(days=3)
    events = []
    for number, carrier in parcels:
        events += [
            order(f"o-{number}", when, currency="RUB", payment="cod"),
            shipped(f"o-{number}", f"s-{number}", when, carrier, tracking_number=number),
        ]
    post(app, events)
    rounds(app)


def _moscow(day: int, hour: int) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00.000+03:00"


def _pull(app, source: str = "russianpost") -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Pull, then let the worker take in what came."""
    counts = app.pull("acme", source)
    rounds(app)
    return counts  # type: ignore[no-any-return]


def _shipment(app, number: str) -> Any:  # type: ignore[no-untyped-def]
    S = tables.shipments.c
    with app.db.connect() as conn:
        query = select(S.status, S.substatus, S.storage_until, S.pickup_point)
        return conn.execute(query.where(S.tracking_number == number)).one()


def _kept(app) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    H = tables.hook_deliveries.c
    with app.db.connect() as conn:
        query = select(H.body, H.outcome, H.reason).order_by(H.received_at, H.delivery_id)
        return [(r[0], r[1], r[2]) for r in conn.execute(query)]


def _connector(app) -> Any:  # type: ignore[no-untyped-def]
    C = tables.connectors.c
    with app.db.connect() as conn:
        return conn.execute(select(C.pull_after, C.pull_error, C.cursor)).one()


def _russian_post(app, fake, **settings: str) -> None:  # type: ignore[no-untyped-def]
    app.add_connector("acme", "russianpost", PASSWORD,
                      {"login": LOGIN, "url": fake.url, **settings})  # fmt: skip


def test_only_the_stores_open_russian_post_parcels_are_asked_and_no_person_is_kept(shop):
    app, clock = shop
    _ship(app, clock, ("80081000000001", "Почта России"), ("80081000000002", "Russian Post"),
          ("80081000000003", "Почта России"), ("1234567890", "CDEK"))  # fmt: skip
    post(app, [checkpoint("s-80081000000003", "delivered", clock() - timedelta(days=1),
                          carrier="Почта России", tracking_number="80081000000003")])  # fmt: skip
    long_ago = clock() - timedelta(days=100)  # no news since: no longer asked about
    old = shipped("o-old", "s-old", long_ago, "Почта России", tracking_number="800810")
    post(app, [order("o-old", long_ago, currency="RUB"), old])
    rounds(app)
    with RussianPost() as fake:
        fake.histories = {
            "80081000000001": [(1, 1, _moscow(9, 18), "101000", "Москва 1"),
                               (8, 2, _moscow(11, 10), "190000", "Санкт-Петербург 190000")],
            "80081000000002": [(1, 1, _moscow(10, 12), "101000", "Москва 1")],
        }  # fmt: skip
        _russian_post(app, fake, storage_days="30")
        assert _pull(app) == {"accepted": 3}
        assert sorted(fake.asked) == ["80081000000001", "80081000000002"]
    status, substatus, until, point = _shipment(app, "80081000000001")
    assert (status, substatus, point) == ("available_for_pickup", "8.2", "Санкт-Петербург 190000")
    assert until.astimezone(ZoneInfo("Europe/Moscow")).isoformat() == "2026-12-11T23:59:00+03:00"
    assert _shipment(app, "80081000000002")[:2] == ("in_transit", "1.1")
    E = tables.events.c
    with app.db.connect() as conn:
        query = select(E.payload).where(E.type == "shipment.checkpoint")
        events = list(conn.execute(query).scalars())
    assert len(events) == 1 + 3  # the delivered one posted above, and the three pulled
    for text in [body for body, _, _ in _kept(app)] + events:
        assert not any(word in text for word in PERSONAL), text


def test_a_history_that_grows_between_polls_adds_only_what_is_new(shop):
    app, clock = shop
    _ship(app, clock, ("80081000000001", "pochta"))
    with RussianPost() as fake:
        fake.histories = {"80081000000001": [(1, 1, _moscow(9, 18), "101000", "Москва 1")]}
        _russian_post(app, fake)
        assert _pull(app) == {"accepted": 1}
        clock.advance(minutes=15)
        assert _pull(app) == {}  # asked within six hours: not again
        fake.histories["80081000000001"].append((2, 1, _moscow(12, 11), "190000", "СПб"))
        clock.advance(hours=6)
        assert _pull(app) == {"duplicate": 1, "accepted": 1}
        assert _shipment(app, "80081000000001")[0] == "delivered"
        clock.advance(hours=7)
        assert _pull(app) == {}  # delivered: no longer open
    assert fake.asked == ["80081000000001"] * 2


def test_an_unknown_number_is_kept_once_with_the_posts_words(shop):
    app, clock = shop
    _ship(app, clock, ("RA000000000RU", "Почта России"))
    with RussianPost() as fake:
        _russian_post(app, fake)
        assert _pull(app) == {"failed": 1}
        clock.advance(hours=7)
        assert _pull(app) == {"duplicate": 1}
    [(_, outcome, reason)] = _kept(app)
    assert outcome == "failed"
    assert (
        reason == "Russian Post does not know RA000000000RU: Отправление RA000000000RU не найдено"
    )


def test_at_most_four_numbers_a_pull_and_the_days_limit_waits_for_moscows_midnight(shop):
    app, clock = shop
    numbers = [f"8008100000001{i}" for i in range(6)]
    _ship(app, clock, *[(n, "Почта России") for n in numbers])
    with RussianPost() as fake:
        fake.histories = {n: [(1, 1, _moscow(10, 9), "101000", "Москва 1")] for n in numbers}
        _russian_post(app, fake)
        assert _pull(app) == {"accepted": 4}
        clock.advance(minutes=15)
        assert _pull(app) == {"accepted": 2}
        assert sorted(fake.asked) == numbers
        clock.advance(hours=7)
        fake.over_limit = True
        with pytest.raises(PlatformError, match="over the day's limit"):
            app.pull("acme", "russianpost")
    after, error, _ = _connector(app)
    midnight = datetime(2026, 11, 13, 0, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert after == midnight and error.startswith("Russian Post: over the day's limit")


def test_a_rate_limit_is_recorded_and_waited_out(shop):
    app, clock = shop
    _ship(app, clock, ("80081000000001", "Почта России"))
    with RussianPost() as fake:
        fake.histories = {"80081000000001": [(1, 1, _moscow(9, 18), "101000", "Москва 1")]}
        fake.limited = 1
        _russian_post(app, fake)
        with pytest.raises(PlatformError, match="answered 429"):
            app.pull("acme", "russianpost")
        assert _connector(app)[:2] == (clock() + timedelta(seconds=1800),
                                       "Russian Post answered 429: asked to wait")  # fmt: skip
        assert app.pull_due() == 0
        clock.advance(seconds=1801)
        assert app.pull_due() == 1
    assert _connector(app)[1] is None


def test_a_wrong_password_fails_by_name_and_asks_nothing_more(shop):
    app, clock = shop
    _ship(app, clock, ("80081000000001", "Почта России"), ("80081000000002", "Почта России"))
    with RussianPost() as fake:
        app.add_connector("acme", "russianpost", "not-the-password", {"login": LOGIN,
                                                                      "url": fake.url})  # fmt: skip
        with pytest.raises(PlatformError, match="Russian Post refused the login"):
            app.pull("acme", "russianpost")
    assert _kept(app) == [] and "not-the-password" not in str(_connector(app))


def test_boxberry_parcels_are_polled_and_wait_the_stores_storage_period(shop):
    app, clock = shop
    _ship(app, clock, ("DUD15086277", "Boxberry"), ("DUD0", "boxberry"), ("RA1RU", "Почта России"))
    with Boxberry() as fake:
        fake.histories = {"DUD15086277": [
            {"Date": "2026-11-10T00:56:12", "Name": "Принято к доставке", "Comment": ""},
            {"Date": "2026-11-11T11:48:01", "Name": "Поступило в пункт выдачи",
             "Comment": "Москва (115478, Каширское ш, д.24), тел. +7 916 123-45-67"}]}  # fmt: skip
        app.add_connector("acme", "boxberry", TOKEN, {"url": fake.url, "storage_days": "14"})
        assert _pull(app, "boxberry") == {"accepted": 2, "failed": 1}
        assert sorted(fake.asked) == ["DUD0", "DUD15086277"]
        assert not any(TOKEN in path for path in fake.paths)  # never in a URL, nor its log
        clock.advance(hours=4)
        fake.limited = 1
        with pytest.raises(PlatformError, match="Boxberry answered 429"):
            app.pull("acme", "boxberry")
        assert _connector(app)[0] == clock() + timedelta(seconds=3600)
    status, substatus, until, point = _shipment(app, "DUD15086277")
    assert (status, substatus, point) == ("available_for_pickup", "Поступило в пункт выдачи",
                                          "Boxberry, Москва")  # fmt: skip
    assert until.astimezone(ZoneInfo("Europe/Moscow")).isoformat() == "2026-11-25T23:59:00+03:00"
    reasons = [reason for _, outcome, reason in _kept(app) if outcome == "failed"]
    assert reasons == ["Boxberry does not know DUD0: Посылка DUD0 не найдена"]
    assert not any("916" in body for body, _, _ in _kept(app))


def test_a_boxberry_parcel_collected_between_polls_adds_only_what_is_new(shop):
    app, clock = shop
    _ship(app, clock, ("DUD15086277", "Boxberry"))
    arrived = {"Date": "2026-11-11T11:48:01", "Name": "Поступило в пункт выдачи", "Comment": ""}
    with Boxberry() as fake:
        fake.histories = {"DUD15086277": [arrived]}
        app.add_connector("acme", "boxberry", TOKEN, {"url": fake.url})
        assert _pull(app, "boxberry") == {"accepted": 1}
        fake.histories["DUD15086277"].append({"Date": "12.11.2026 10:05", "Name": "Выдано"})
        clock.advance(hours=3)
        assert _pull(app, "boxberry") == {"duplicate": 1, "accepted": 1}
        clock.advance(hours=3)
        assert _pull(app, "boxberry") == {}  # delivered: no longer asked about
    assert fake.asked == ["DUD15086277"] * 2
    assert _shipment(app, "DUD15086277")[:2] == ("delivered", "Выдано")
