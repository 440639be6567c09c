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
