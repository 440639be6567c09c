"""The uplift statistics against published figures and hand-worked ones."""

from __future__ import annotations

import pytest

from tidings.domain.uplift import (
    Arm,
    difference,
    enough,
    ratio_minus_one,
    uplift,
    wilson,
)


def test_wilson_interval_of_81_in_263():
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", example
    # 81/263: Wilson score interval 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    ("treated", "held", "expected"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent
        # proportions", Table II, method 10 (hybrid score, no continuity correction).
        ((70, 56), (80, 48), (0.0524, 0.3339)),
        ((10, 9), (10, 3), (0.1705, 0.8090)),
        ((7, 6), (7, 2), (0.0582, 0.8062)),
        ((56, 5), (29, 0), (-0.0381, 0.1926)),
        ((10, 0), (20, 0), (-0.1611, 0.2775)),
        ((10, 10), (20, 0), (0.6791, 1.0000)),
    ],
)
def test_difference_matches_newcombes_table(treated, held, expected):
    got = difference(Arm(*treated), Arm(*held))
    assert (round(got.low, 4), round(got.high, 4)) == expected
    assert got.value == pytest.approx(treated[1] / treated[0] - held[1] / held[0])


def test_relative_uplift_by_hand():
    # 56/70 = 0.8 against 48/80 = 0.6: RR = 4/3.
    # se(ln RR) = sqrt(1/56 - 1/70 + 1/48 - 1/80) = sqrt(0.0119048) = 0.109109
    # RR · exp(±1.959964 · 0.109109) = 1.33333 · (0.807482, 1.238417) = 1.076643, 1.651223
    got = ratio_minus_one(Arm(70, 56), Arm(80, 48))
    assert got is not None
    assert got.value == pytest.approx(1 / 3)
    assert (round(got.low, 4), round(got.high, 4)) == (0.0766, 0.6512)


def test_relative_uplift_needs_an_outcome_in_each_arm():
    assert ratio_minus_one(Arm(40, 10), Arm(40, 0)) is None
    assert ratio_minus_one(Arm(40, 0), Arm(40, 10)) is None


@pytest.mark.parametrize(
    ("treated", "held", "ok"),
    [
        ((30, 10), (30, 5), True),  # 30 a side, 15 outcomes, 45 without
        ((29, 10), (30, 5), False),  # one subject short in an arm
        ((30, 5), (30, 4), False),  # 9 outcomes together
        ((30, 5), (30, 5), True),  # 10 outcomes together
        ((30, 25), (30, 26), False),  # 9 without the outcome together
        ((30, 30), (30, 0), True),  # a held-back arm with no outcome is still evidence
    ],
)
def test_enough_data(treated, held, ok):
    assert enough(Arm(*treated), Arm(*held)) is ok


def test_not_enough_data_gives_no_interval():
    result = uplift(Arm(12, 9), Arm(10, 3))
    assert not result.enough and result.absolute is None and result.relative is None
    assert result.treated.rate == 0.75 and result.held_back.rate == 0.3


def test_enough_data_gives_both_intervals():
    result = uplift(Arm(70, 56), Arm(80, 48))
    assert result.enough and result.absolute is not None and result.relative is not None
    assert round(result.absolute.low, 4) == 0.0524
