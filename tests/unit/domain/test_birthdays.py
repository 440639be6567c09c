from datetime import UTC, datetime

from tidings.domain.birthdays import next_birthday

SHANGHAI_10AM_UTC = 2  # 10:00 in Shanghai is 02:00 UTC


def test_the_next_birthday_at_ten_in_the_customers_zone():
    after = datetime(2026, 11, 11, tzinfo=UTC)
    assert next_birthday("11-20", after, "Asia/Shanghai") == datetime(2026, 11, 20, 2, tzinfo=UTC)
    assert next_birthday("1990-03-05", after, "Asia/Shanghai") == datetime(
        2027, 3, 5, 2, tzinfo=UTC
    )
    assert next_birthday("11-11", after, "Europe/Moscow") == datetime(2026, 11, 11, 7, tzinfo=UTC)
    assert next_birthday(None, after, "UTC") is None


def test_the_birthday_itself_after_ten_means_next_year():
    after = datetime(2026, 11, 20, 2, tzinfo=UTC)  # 10:00 sharp in Shanghai
    assert next_birthday("11-20", after, "Asia/Shanghai") == datetime(2027, 11, 20, 2, tzinfo=UTC)


def test_29_february_is_28_february_in_other_years():
    after = datetime(2026, 11, 11, tzinfo=UTC)
    assert next_birthday("02-29", after, "UTC") == datetime(2027, 2, 28, 10, tzinfo=UTC)
    leap = datetime(2027, 3, 1, tzinfo=UTC)
    assert next_birthday("2000-02-29", leap, "UTC") == datetime(2028, 2, 29, 10, tzinfo=UTC)
    assert next_birthday("04-31", after, "UTC") == datetime(2027, 4, 30, 10, tzinfo=UTC)


def test_ten_in_the_morning_across_a_daylight_saving_change():
    after = datetime(2027, 1, 1, tzinfo=UTC)
    # New York: 10:00 EDT on 2027-03-15 (UTC-4), 10:00 EST on 2027-01-15 (UTC-5)
    assert next_birthday("03-15", after, "America/New_York") == datetime(
        2027, 3, 15, 14, tzinfo=UTC
    )
    assert next_birthday("01-15", after, "America/New_York") == datetime(
        2027, 1, 15, 15, tzinfo=UTC
    )
