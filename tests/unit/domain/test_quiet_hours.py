from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tidings.domain.quiet_hours import quiet_until

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def _t(tz, *args):
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 11, 11, 20, 59), None),
        ((2026, 11, 11, 21, 0), (2026, 11, 12, 9, 0)),
        ((2026, 11, 11, 23, 59), (2026, 11, 12, 9, 0)),
        ((2026, 11, 12, 0, 0), (2026, 11, 12, 9, 0)),
        ((2026, 11, 12, 8, 59), (2026, 11, 12, 9, 0)),
        ((2026, 11, 12, 9, 0), None),
    ],
)
def test_across_midnight(local, expected):
    got = quiet_until(_t(SH, *local), SH, "21:00", "09:00")
    assert got == (None if expected is None else _t(SH, *expected))
    assert got is None or got.tzinfo == UTC


def test_read_in_the_recipients_zone():
    utc_noon = datetime(2026, 11, 11, 13, 0, tzinfo=ZoneInfo("UTC"))  # 21:00 Shanghai, 08:00 NY
    assert quiet_until(utc_noon, SH, "21:00", "09:00") == _t(SH, 2026, 11, 12, 9, 0)
    assert quiet_until(utc_noon, NY, "21:00", "09:00") == _t(NY, 2026, 11, 11, 9, 0)


def test_same_day_window():
    assert quiet_until(_t(SH, 2026, 1, 1, 13, 0), SH, "12:00", "14:00") == _t(SH, 2026, 1, 1, 14)
    assert quiet_until(_t(SH, 2026, 1, 1, 14, 0), SH, "12:00", "14:00") is None


def test_equal_start_and_end_means_no_quiet_hours():
    assert quiet_until(_t(SH, 2026, 1, 1, 3, 0), SH, "09:00", "09:00") is None


def test_end_after_the_spring_forward_night_is_9_local():
    # 2026-03-08: New York moves from 02:00 EST to 03:00 EDT
    got = quiet_until(_t(NY, 2026, 3, 7, 22, 0), NY, "21:00", "09:00")
    assert got is not None
    assert got.astimezone(NY).hour == 9
    assert got.astimezone(NY).utcoffset().total_seconds() == -4 * 3600
    assert (got - _t(NY, 2026, 3, 7, 22, 0)).total_seconds() == 10 * 3600  # one hour lost


def test_end_after_the_fall_back_night_is_9_local():
    got = quiet_until(_t(NY, 2026, 10, 31, 22, 0), NY, "21:00", "09:00")
    assert got.astimezone(NY).hour == 9
    assert (got - _t(NY, 2026, 10, 31, 22, 0)).total_seconds() == 12 * 3600  # one hour gained


def test_an_end_inside_the_dst_gap_moves_forward():
    got = quiet_until(_t(NY, 2026, 3, 8, 1, 0), NY, "00:00", "02:30")
    assert got == datetime(2026, 3, 8, 7, 30, tzinfo=ZoneInfo("UTC"))  # 03:30 EDT
