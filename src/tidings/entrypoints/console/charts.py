"""Charts drawn on the server as inline SVG: geometry only, the template draws it.

The rule: a chart never stands alone; its template puts the same figures in a table beside it
(for screen readers, for copying, and for a page without pictures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tidings.services.queries_console import DayVolume

WIDTH, HEIGHT, GAP = 640, 160, 2


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    sent_y: float
    sent_height: float
    suppressed_y: float
    suppressed_height: float
    day: DayVolume


def volume_bars(days: Sequence[DayVolume]) -> list[Bar]:
    """One stacked bar a day: sent at the bottom, suppressed on top, scaled to the peak."""
    peak = max((d.sent + d.suppressed for d in days), default=0) or 1
    slot = WIDTH / max(len(days), 1)
    bars = []
    for n, d in enumerate(days):
        sent, suppressed = HEIGHT * d.sent / peak, HEIGHT * d.suppressed / peak
        bars.append(
            Bar(n * slot + GAP / 2, max(slot - GAP, 1), HEIGHT - sent, sent,
                HEIGHT - sent - suppressed, suppressed, d)
        )  # fmt: skip
    return bars


SPARK_WIDTH, SPARK_HEIGHT = 120, 28


@dataclass(frozen=True)
class Spark:
    """A metric's days as line segments (a day without data breaks the line) and dots."""

    lines: tuple[str, ...]  # each an SVG polyline's points, "x,y x,y …"
    dots: tuple[tuple[float, float], ...]  # a day alone between gaps is a dot


def sparkline(values: Sequence[float | None]) -> Spark:
    """The values scaled to the box, lowest at the bottom; a flat series sits in the middle."""
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    step = SPARK_WIDTH / max(len(values) - 1, 1)

    def y(v: float) -> float:
        if high == low:
            return SPARK_HEIGHT / 2
        return round(SPARK_HEIGHT - 2 - (SPARK_HEIGHT - 4) * (v - low) / (high - low), 2)

    runs: list[list[tuple[float, float]]] = [[]]
    for n, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((round(n * step, 2), y(v)))
    lines = tuple(" ".join(f"{x},{yy}" for x, yy in run) for run in runs if len(run) > 1)
    dots = tuple(run[0] for run in runs if len(run) == 1)
    return Spark(lines, dots)
