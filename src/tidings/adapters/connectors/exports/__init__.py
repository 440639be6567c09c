"""Order exports: a platform's orders CSV read as contract events, one order at a time.

    lines ──► rows (csv, each with the line it starts on) ──► orders (the rows of one order,
    together) ──► the format's `translate` (pure) ──► Order(line, events) | Bad(line, reason)

The one rule: the file is streamed and a bad order never stops the others; it comes out as
one `Bad` naming its line and what is wrong. Event ids are made from the platform's own ids
and the fact (created, paid, cancelled), the same ids the platform's webhooks give for the
same fact, so importing a file again, or a webhook about the same order, adds nothing.

Each format module has the same names: `COLUMNS` (those a file must have), `order_key(row)`
(which order a row belongs to; an order's rows come together) and `translate(rows, delivery)`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from tidings.adapters.connectors.exports import generic, shopify, woocommerce
from tidings.adapters.connectors.exports.rows import BadRow, Row
from tidings.domain.connectors import Delivery, StoreFacts


class Format(Protocol):
    """A format's module: the same names for each."""

    @property
    def COLUMNS(self) -> tuple[str, ...]: ...  # a module's constant

    def order_key(self, row: Row) -> str: ...

    def translate(self, rows: list[Row], delivery: Delivery) -> list[dict[str, Any]]: ...


FORMATS: Final[Mapping[str, Format]] = {
    "shopify": shopify,
    "woocommerce": woocommerce,
    "generic": generic,
}


@dataclass(frozen=True, slots=True)
class Order:
    """One order's events (contract JSON objects), and the line its rows start on."""

    line: int
    events: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Bad:
    line: int
    reason: str


def read(
    lines: Iterable[str], fmt: str, store: str, facts: StoreFacts, at: datetime
) -> Iterator[Order | Bad]:
    """The orders of an export file (its text lines, with their line ends), in file order."""
    module = FORMATS[fmt]
    delivery = Delivery(store, f"{fmt}-export", b"", {}, at, facts)
    rows = _rows(lines)
    header = next(rows, None)
    missing = [c for c in module.COLUMNS if header is None or c not in header.cells]
    if missing:
        yield Bad(1, f"not a {fmt} export: no column {', '.join(map(repr, missing))}")
        return
    seen: set[str] = set()
    for group in _orders(rows, module):
        key = module.order_key(group[0])
        if key in seen:
            yield Bad(group[0].line, f"order {key!r}: its rows are not together in the file")
            continue
        seen.add(key)
        try:
            yield Order(group[0].line, module.translate(group, delivery))
        except BadRow as exc:
            yield Bad(exc.line, exc.reason)


def _rows(lines: Iterable[str]) -> Iterator[Row]:
    """The header (its cells name themselves), then each row as {column: cell}; blank lines
    are skipped. A row's line is where it starts (a quoted cell may span lines)."""
    reader = csv.reader(lines)
    names: list[str] = []
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not names:
            names = [name.strip() for name in cells]
            yield Row(line, {name: name for name in names})
        elif any(cells := [cell.strip() for cell in cells]):
            yield Row(line, dict(zip(names, cells, strict=False)))


def _orders(rows: Iterator[Row], module: Format) -> Iterator[list[Row]]:
    """The rows of each order, as they come together in the file."""
    group: list[Row] = []
    for row in rows:
        if group and module.order_key(row) != module.order_key(group[0]):
            yield group
            group = []
        group.append(row)
    if group:
        yield group
