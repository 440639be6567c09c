"""Done when: a Russian Post parcel that arrives at a post office, seen by polling, gets its
pickup notice with the deadline from the store's storage period and its reminders until then;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from parcel_servers import LOGIN, PASSWORD, RussianPost
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, customer, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 12, 9, 0, tzinfo=MOSCOW)
SHOPPER, NUMBER, MERCHANT = "+79161110022", "80081000000042", "+79035550100"


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(NOW), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    acme = store(NOW - timedelta(days=30), timezone="Europe/Moscow", default_region="RU",
                 currency="RUB", locale="ru", sms_signature="",
                 merchant_contacts=[{"phone": MERCHANT}])  # fmt: skip
    sent = NOW - timedelta(days=3)
    post(app, [acme, customer("c1", SHOPPER, NOW - timedelta(days=9), locale="ru"),
               order("o1", sent, currency="RUB", payment="cod", status="unpaid"),
               shipped("o1", "s1", sent, "Почта России", tracking_number=NUMBER)])  # fmt: skip
    rounds(app)
    with RussianPost() as fake:
        app.add_connector("acme", "russianpost", PASSWORD,
                          {"login": LOGIN, "url": fake.url, "storage_days": "7"})  # fmt: skip
        yield app, provider, clock, fake
    app.close()


def _texts(provider: ScriptedProvider, since: int) -> list[str]:
    return [m.body for m in provider.sent[since:] if m.to == SHOPPER]


def test_a_parcel_at_the_post_office_gets_its_notice_with_the_stores_deadline_and_reminders(shop):
    app, provider, clock, fake = shop
    fake.histories[NUMBER] = [(1, 1, "2026-11-09T18:08:00.000+03:00", "101000", "Москва 1")]
    assert app.pull("acme", "russianpost") == {"accepted": 1}
    rounds(app)
    before = len(provider.sent)
    clock.advance(hours=7)  # the next look at this number; it has arrived since
    fake.histories[NUMBER].append((8, 2, "2026-11-12T15:40:00.000+03:00", "190000", "СПб 190000"))
    rounds(app)  # the worker's round pulls what is due
    [notice] = _texts(provider, before)
    assert notice == "Посылка ждёт вас: СПб 190000, 190000. Заберите до 19.11 23:59."
    while clock() < datetime(2026, 11, 22, tzinfo=MOSCOW):
        clock.advance(hours=6)
        rounds(app)
    waits = "Напоминание: посылка всё ещё ждёт вас: СПб 190000."
    assert _pickup_messages(app) == [
        ("arrived", "12.11 15:40", "sent", notice),
        ("reminder", "14.11 16:00", "sent", waits),
        ("reminder.2", "16.11 16:00", "sent", waits),
        ("reminder.3", "18.11 16:00", "sent", waits),
        (
            "final",
            "19.11 09:00",
            "sent",  # the day before, out of the night's quiet hours
            "Последнее напоминание: после 19.11 23:59 посылка вернётся отправителю. "
            "Пункт: СПб 190000.",
        ),
    ]  # fmt: skip  (nothing after the deadline: the parcel goes back)


def test_a_parcel_collected_from_the_post_office_is_reminded_of_no_more(shop):
    app, _, clock, fake = shop
    fake.histories[NUMBER] = [(8, 2, "2026-11-12T08:40:00.000+03:00", "190000", "СПб 190000")]
    app.pull("acme", "russianpost")
    rounds(app)
    clock.advance(hours=30)
    fake.histories[NUMBER].append((2, 1, "2026-11-13T14:00:00.000+03:00", "190000", "СПб 190000"))
    while clock() < datetime(2026, 11, 22, tzinfo=MOSCOW):
        clock.advance(hours=6)
        rounds(app)
    steps = [(step, status) for step, _, status, _ in _pickup_messages(app)]
    assert steps == [("arrived", "sent"), ("reminder", "suppressed")]  # collected: it stops


def test_a_cash_on_delivery_parcel_refused_at_the_post_office_alerts_the_merchant(shop):
    app, provider, clock, fake = shop
    fake.histories[NUMBER] = [(8, 2, "2026-11-12T08:40:00.000+03:00", "190000", "СПб 190000")]
    app.pull("acme", "russianpost")
    rounds(app)
    before = len(provider.sent)
    clock.advance(hours=30)
    fake.histories[NUMBER].append((3, 4, "2026-11-13T14:00:00.000+03:00", "190000", "СПб 190000"))
    rounds(app)
    alerts = [m.body for m in provider.sent[before:] if m.to == MERCHANT]
    assert alerts == [
        f"Отказ от наложенного платежа: посылка заказа o1, russianpost {NUMBER}, возвращается."
    ]
    while clock() < datetime(2026, 11, 22, tzinfo=MOSCOW):
        clock.advance(hours=12)
        rounds(app)
    assert _texts(provider, before) == []  # no reminder of a parcel on its way back


def _pickup_messages(app) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    """(step, when it went, status, text) of the pickup journey's messages, in order."""
    M = tables.messages.c
    query = (
        select(M.step, M.run_at, M.status, M.body)
        .where(M.journey == "pickup_reminder")
        .order_by(M.run_at)
    )
    with app.db.connect() as conn:
        rows = conn.execute(query).all()
    return [(r[0], r[1].astimezone(MOSCOW).strftime("%d.%m %H:%M"), r[2], r[3]) for r in rows]
