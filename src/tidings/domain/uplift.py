"""Uplift against the holdout: how much more often the outcome happens when the message goes.

Absolute uplift is the difference of two proportions, p₁ (treated) − p₀ (held back), with
Newcombe's hybrid score interval (his method 10, 1998: each rate's Wilson score interval,
combined): it stays inside −1 … 1 and behaves at small counts and near 0 % or 100 %, where the
Wald interval does not. Relative uplift is p₁ / p₀ − 1, with the Katz log interval of the risk
ratio; it needs an outcome in each arm.

A comparison is meaningful (`enough`) once each arm has at least MIN_SUBJECTS subjects and
the arms together have at least MIN_EVENTS outcomes and MIN_EVENTS subjects without one;
before that the figures are "not enough data yet".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
MIN_SUBJECTS = 30
MIN_EVENTS = 10
METHOD = "Newcombe hybrid score (Wilson) for the difference; Katz log for the ratio; 95 %"
# What each journey is for, measured the same way in both arms (the adapter says how)
OUTCOMES = {
    "payment_reminder": "paid",  # the order was paid
    "cart_recovery": "ordered",  # the shopper ordered within 24 h of the reminder's due time
    "pickup_reminder": "collected",  # the parcel was collected before its storage ended
    "review_request": "reviewed",  # the order got a review
}
NOT_ENOUGH = (
    f"not enough data yet: needs {MIN_SUBJECTS} subjects in each arm and, together, "
    f"{MIN_EVENTS} with the outcome and {MIN_EVENTS} without"
)


@dataclass(frozen=True, slots=True)
class Arm:
    subjects: int
    outcomes: int

    @property
    def rate(self) -> float | None:
        return self.outcomes / self.subjects if self.subjects else None


@dataclass(frozen=True, slots=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Uplift:
    treated: Arm
    held_back: Arm
    enough: bool
    absolute: Interval | None
    relative: Interval | None


def wilson(outcomes: int, subjects: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a proportion (no continuity correction)."""
    if subjects == 0:
        return (0.0, 1.0)
    p = outcomes / subjects
    z2 = z * z
    centre = (p + z2 / (2 * subjects)) / (1 + z2 / subjects)
    half = z * math.sqrt(p * (1 - p) / subjects + z2 / (4 * subjects**2)) / (1 + z2 / subjects)
    return (max(0.0, centre - half), min(1.0, centre + half))


def difference(treated: Arm, held: Arm, z: float = Z95) -> Interval:
    """p₁ − p₀ with Newcombe's hybrid score interval."""
    p1, p0 = treated.outcomes / treated.subjects, held.outcomes / held.subjects
    l1, u1 = wilson(treated.outcomes, treated.subjects, z)
    l0, u0 = wilson(held.outcomes, held.subjects, z)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Interval(d, low, high)


def ratio_minus_one(treated: Arm, held: Arm, z: float = Z95) -> Interval | None:
    """p₁ / p₀ − 1 with the Katz log interval; None without an outcome in each arm."""
    if treated.outcomes == 0 or held.outcomes == 0:
        return None
    rr = (treated.outcomes / treated.subjects) / (held.outcomes / held.subjects)
    se = math.sqrt(
        1 / treated.outcomes - 1 / treated.subjects + 1 / held.outcomes - 1 / held.subjects
    )
    return Interval(rr - 1, rr * math.exp(-z * se) - 1, rr * math.exp(z * se) - 1)


def enough(treated: Arm, held: Arm) -> bool:
    if min(treated.subjects, held.subjects) < MIN_SUBJECTS:
        return False
    outcomes = treated.outcomes + held.outcomes
    without = treated.subjects + held.subjects - outcomes
    return outcomes >= MIN_EVENTS and without >= MIN_EVENTS


def uplift(treated: Arm, held: Arm) -> Uplift:
    """The comparison of the arms; the intervals only once there is enough data."""
    if not enough(treated, held):
        return Uplift(treated, held, False, None, None)
    return Uplift(treated, held, True, difference(treated, held), ratio_minus_one(treated, held))
