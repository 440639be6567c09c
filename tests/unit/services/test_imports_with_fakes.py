"""services.imports with the fake unit of work: an order whole or not at all, a batch a
committed transaction, progress after each, and a second import adding nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fakes import FakeUnitOfWork, Tables
from tidings.adapters.contract import parse_object
from tidings.services.imports import Imported, import_orders

NOW = datetime(2026, 11, 11, tzinfo=UTC)


def _paid(order: str, amount: str = "5.00") -> dict[str, Any]:
    return {"id": f"p-{order}", "type": "order.paid", "store": "acme",
            "occurred_at": "2026-10-01T00:00:00+00:00",
            "data": {"order_id": order, "amount": amount}}  # fmt: skip


def _run(tables: Tables, orders: list[tuple[int, Any]], batch: int = 2) -> tuple:
    bad: list[tuple[int, str]] = []
    seen: list[tuple[int, int]] = []
    commits: list[bool] = []

    def unit_of_work() -> FakeUnitOfWork:
        uow = FakeUnitOfWork(tables)
        commits.append(True)
        return uow

    def progress(done: Imported) -> None:
        seen.append((done.orders, done.events))

    done = import_orders(orders, parse=parse_object, unit_of_work=unit_of_work, at=NOW,  # type: ignore[arg-type]
                         report=lambda line, why: bad.append((line, why)), batch=batch,
                         progress=progress)  # fmt: skip
    return done, bad, seen, len(commits)


def test_a_bad_order_is_reported_whole_and_the_others_stored_a_batch_at_a_time():
    tables = Tables()
    orders = [(2, [_paid("1")]), (3, "Total: not an amount: 'x'"),
              (4, [_paid("2"), _paid("3", "lots")]),  # its second event is not the contract's
              (6, [_paid("4")]), (7, [_paid("5")])]  # fmt: skip
    done, bad, seen, transactions = _run(tables, orders)
    assert (done.orders, done.events, done.new, done.bad) == (3, 3, 3, 2)
    assert bad[0] == (3, "Total: not an amount: 'x'")
    assert bad[1][0] == 4 and "data.amount" in bad[1][1]
    assert sorted(key[1] for key in tables.events) == ["p-1", "p-4", "p-5"]  # not p-2
    assert seen == [(2, 2), (3, 3)] and transactions == 2
    assert sorted(key[1] for key in tables.inbox) == ["p-1", "p-4", "p-5"]


def test_importing_the_same_orders_again_adds_nothing():
    tables = Tables()
    orders = [(2, [_paid("1")]), (3, [_paid("2")])]
    _run(tables, orders)
    done, _, _, _ = _run(tables, orders)
    assert (done.orders, done.events, done.new) == (2, 2, 0)
