"""What every export format shares: a row with the line it starts on, a refusal that names
that line, and reading cells into the contract's values.

The one rule: a value that does not fit is refused as `BadRow(line, reason)` naming the
column; a cell that is empty is None, never "".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from tidings.adapters.connectors.common import money
from tidings.domain.connectors import Delivery
from tidings.domain.errors import Untranslatable
from tidings.services.phones import to_e164


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]  # stripped

    def get(self, column: str) -> str | None:
        """The cell of `column`; None when empty or not in the file."""
        return self.cells.get(column) or None

    def need(self, column: str) -> str:
        value = self.get(column)
        if value is None:
            raise BadRow(self.line, f"{column} is missing")
        return value


class BadRow(Exception):
    """A row that cannot be read: its line and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


@contextmanager
def at(row: Row) -> Iterator[None]:
    """Refusals while reading `row` name its line."""
    try:
        yield
    except Untranslatable as exc:
        raise BadRow(row.line, str(exc)) from None


def quantity(row: Row, column: str) -> int:
    text = row.need(column)
    try:
        qty = int(Decimal(text))
    except InvalidOperation:
        raise BadRow(row.line, f"{column}: not a quantity: {text[:20]!r}") from None
    if qty <= 0 or qty != Decimal(text):
        raise BadRow(row.line, f"{column}: not a quantity: {text[:20]!r}")
    return qty


def item(row: Row, sku: str, name: str, qty: str, price: str, total: bool = False) -> Any:
    """One line item of the contract from a row's columns; `total`: the price column holds
    the line's total (quantity × unit price)."""
    count = quantity(row, qty)
    with at(row):
        amount = Decimal(money(row.need(price), price))
    unit = amount / count if total else amount
    title = row.get(name) or ""
    ident = row.get(sku) or title
    if not ident:
        raise BadRow(row.line, f"a line item with neither {sku} nor {name}")
    return {"sku": ident, "name": title, "qty": count, "price": f"{unit:.2f}"}


def phone(raw: str | None, country: str | None, delivery: Delivery) -> str | None:
    """A row's phone in E.164 (`common.e164`), read in its country, else the store's region."""
    return _e164(raw, (country or delivery.facts.region or "").upper()) if raw else None


@lru_cache(maxsize=1 << 16)
def _e164(raw: str, region: str) -> str | None:
    """Remembered: the same shoppers come back in an export, and reading a number is slow."""
    return to_e164(raw, region)
