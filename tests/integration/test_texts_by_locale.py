"""What a shopper reads is written as their language writes it: a signature set apart from the
text, amounts as the store wrote them, days and times in the recipient's zone and locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpers import at, customer, event, only, order, paid, replay, shipped, store
from tidings.domain import sms
from tidings.domain.times import spoken
from tidings.services.texts import signed

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("signature", "text", "expected"),
    [
        ("【Acme】", "您好", "【Acme】您好"),
        ("[Acme]", "Hello", "[Acme]Hello"),
        ("(Acme)", "Hello", "(Acme)Hello"),
        ("（Acme）", "Hello", "（Acme）Hello"),
        ("Магазин:", "Заказ o1 отправлен", "Магазин: Заказ o1 отправлен"),
        ("Acme", "Hello", "Acme Hello"),
        ("Acme: ", "Hello", "Acme: Hello"),
        ("", "Hello", "Hello"),
    ],
)
def test_a_signature_is_set_apart_unless_it_closes_a_bracket(signature, text, expected):
    assert signed(signature, text) == expected


def test_an_unbracketed_signature_is_spaced_in_the_sms_and_counted(db_url):
    events = [
        store(locale="ru", sms_signature="Магазин:", timezone="Europe/Moscow"),
        customer(locale="ru"),
        order("o1", at(9), status="paid"),
        shipped("o1", "s1", at(10)),
    ]
    (notice,) = only(replay(db_url, events), journey="shipping_notice")
    assert notice["body"].startswith("Магазин: Заказ o1")
    assert notice["segments"] == sms.count(notice["body"]).segments  # the space counts too


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Dec 1, 12:00"),
        ("zh-CN", "12月1日12:00"),
        ("ru", "01.12 12:00"),
        ("fr", "Dec 1, 12:00"),
    ],
)
def test_a_day_and_time_as_each_locale_writes_them(locale, expected):
    assert spoken(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("UTC")), MOSCOW, locale) == expected


def test_chinese_days_and_months_have_no_leading_zero():
    assert spoken(datetime(2027, 1, 5, 3, 7, tzinfo=MOSCOW), MOSCOW, "zh-CN") == "1月5日03:07"


@pytest.mark.parametrize(
    ("locale", "deadline"),
    [("en", "Nov 14, 20:00"), ("zh-CN", "11月14日20:00"), ("ru", "14.11 20:00")],
)
def test_a_pickup_deadline_is_written_in_the_recipient_s_zone_and_locale(db_url, locale, deadline):
    until = datetime(2026, 11, 14, 12, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 in Shanghai
    pickup = {"point": "P1", "code": "42", "storage_until": until.isoformat()}
    waiting = event(
        "shipment.checkpoint", at(12), shipment_id="s1", carrier="SF", tracking_number="T1",
        status="available_for_pickup", order_id="o1", pickup=pickup,
    )  # fmt: skip
    day = [store(), customer(locale=locale), order("o1", at(9), status="paid"), waiting]
    (arrived,) = only(replay(db_url, day), journey="pickup_reminder", step="arrived")
    assert deadline in arrived["body"]


@pytest.mark.parametrize(
    ("locale", "total", "currency", "written"),
    [("en", "1990", "RUB", "1990 RUB"), ("ru", "59.00", "CNY", "59.00 CNY")],
)
def test_amounts_are_written_as_the_store_wrote_them(db_url, locale, total, currency, written):
    day = [
        store(locale=locale),
        customer(locale=locale),
        order("o1", at(9), total=total, currency=currency),
        paid("o1", at(23)),
    ]
    (first,) = only(replay(db_url, day), journey="payment_reminder", step="first")
    assert written in first["body"]
