"""The report as tables on a terminal (rich), from the same dict `--json` prints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

_COLUMNS = (
    ("journey", "journey"),
    ("sent", "sent"),
    ("suppressed", "suppressed_total"),
    ("delivered", "delivered"),
    ("clicked", "clicked"),
    ("segments", "segments"),
    ("cost", "cost"),
    ("orders", "orders_recovered"),
    ("revenue", "revenue_recovered"),
    ("cost / order", "cost_per_order"),
)


def print_report(report: dict[str, Any], console: Console) -> None:
    title = (
        f"tidings report: {report['store']}, {report['from']} … {report['to']} "
        f"({report['timezone']}, {report['currency']})"
    )
    console.print(_journeys(report, title))
    reasons = _reasons(report)
    if reasons is not None:
        console.print(reasons)
    console.print(_uplift(report))


def _journeys(report: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    for name, _ in _COLUMNS:
        table.add_column(name, justify="left" if name == "journey" else "right")
    rows = report["journeys"]
    for row in rows:
        table.add_row(*(_cell(row[key], key) for _, key in _COLUMNS))
    table.add_section()
    totals = report["totals"]
    table.add_row(*(_cell(totals[key], key) for _, key in _COLUMNS), style="bold")
    return table


def _reasons(report: dict[str, Any]) -> Table | None:
    reasons = sorted(report["totals"]["suppressed"])
    if not reasons:
        return None
    table = Table(title="suppressed by reason")
    table.add_column("journey")
    for reason in reasons:
        table.add_column(reason, justify="right")
    for row in report["journeys"]:
        if row["suppressed"]:
            cells = [_cell(row["suppressed"].get(r, 0)) for r in reasons]
            table.add_row(row["journey"], *cells)
    return table


def _uplift(report: dict[str, Any]) -> Table:
    table = Table(title="uplift against the holdout (95 % interval)")
    for name in ("journey", "outcome", "treated", "held back", "absolute", "relative"):
        table.add_column(name, justify="left" if name in ("journey", "outcome") else "right")
    if not report["uplift"]:
        table.add_row("(no journey had a holdout in this period)", "", "", "", "", "")
    for row in report["uplift"]:
        table.add_row(*_uplift_cells(row))
    return table


def _uplift_cells(row: dict[str, Any]) -> list[str]:
    if row["outcome"] is None:
        return [row["journey"], "-", "", "", row["note"], ""]
    arms = [_arm(row["treated"]), _arm(row["held_back"])]
    if not row["enough_data"]:
        return [row["journey"], row["outcome"], *arms, "not enough data yet", ""]
    return [
        row["journey"],
        row["outcome"],
        *arms,
        _interval(row["absolute"], points=True),
        _interval(row["relative"], points=False),
    ]


def _arm(arm: dict[str, Any]) -> str:
    rate = arm["rate"]
    share = "-" if rate is None else f"{100 * rate:.1f} %"
    return f"{arm['outcomes']:,} / {arm['subjects']:,} ({share})"


def _interval(interval: dict[str, float] | None, points: bool) -> str:
    """Absolute uplift in percentage points, relative uplift in per cent."""
    if interval is None:
        return "-"
    unit = " pp" if points else " %"
    value, low, high = (100 * interval[k] for k in ("value", "low", "high"))
    return f"{value:+.1f}{unit} [{low:+.1f}, {high:+.1f}]"


_MONEY = {"cost", "revenue_recovered", "cost_per_order"}


def _cell(value: Any, key: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if key in _MONEY:
        return f"{Decimal(value):,}"  # 1,161,968.48: the decimals as the JSON has them
    return str(value)
