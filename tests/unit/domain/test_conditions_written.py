"""A condition names itself as the journey file writes it, and the first that fails or holds
is the one `all_hold` or `any_holds` stopped at (the console's dry run names it)."""

from __future__ import annotations

import pytest

from tidings.domain.conditions import first_failing, first_holding, parse_conditions

WRITTEN = [
    ({"field": "order.paid_at", "set": True}, '{ field = "order.paid_at", set = true }'),
    ({"field": "event.status", "eq": "unpaid"}, '{ field = "event.status", eq = "unpaid" }'),
    ({"field": "event.rating", "lte": 2}, '{ field = "event.rating", lte = 2 }'),
    ({"field": "shipment.status", "in": ["delivered", "returned"]},
     '{ field = "shipment.status", in = ["delivered", "returned"] }'),
    ({"field": "customer.last_order_at", "gte": "@cart.updated_at"},
     '{ field = "customer.last_order_at", gte = "@cart.updated_at" }'),
    ({"field": "customer.tags", "has": "会员"}, '{ field = "customer.tags", has = "会员" }'),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "text"), WRITTEN)
def test_a_condition_is_written_back_as_the_file_writes_it(raw, text):
    (condition,) = parse_conditions([raw], "where")
    assert condition.written() == text


def test_the_first_condition_that_fails_and_the_first_that_holds():
    conditions = parse_conditions(
        [{"field": "event.status", "eq": "unpaid"}, {"field": "event.payment", "eq": "prepaid"}],
        "where",
    )
    cod = {"event": {"status": "unpaid", "payment": "cod"}}
    assert first_failing(conditions, cod) is conditions[1]
    assert first_holding(conditions, cod) is conditions[0]
    prepaid = {"event": {"status": "unpaid", "payment": "prepaid"}}
    assert first_failing(conditions, prepaid) is None
    assert first_holding(conditions, {"event": {"status": "paid", "payment": "cod"}}) is None
