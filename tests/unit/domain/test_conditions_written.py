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


# compiled once: a condition's test answers as reading and comparing afresh would
class Parcel:
    status = "delivered"
    tags = ("vip",)
    count = 0
    empty = ""


FIELDS = ["p.status", "p.tags", "p.count", "p.empty", "p.missing", "d.n", "d.none", "none.x",
          "n", "d.sub.n", "p.count.real"]  # fmt: skip
VALUES = [0, 1, "delivered", "vip", True, False, None, "", ["delivered", 0], "@d.n", "@p.count"]


def _expected(condition, ctx):
    """The answer by the definition: resolve both sides, then `_compare`."""
    from tidings.domain.conditions import Ref, _compare, resolve

    right = condition.value
    right = resolve(right.path, ctx) if isinstance(right, Ref) else right
    return _compare(condition.op, resolve(condition.path, ctx), right)


@pytest.mark.parametrize("op", ["eq", "ne", "in", "not_in", "has", "set", "gt", "gte", "lt", "lte"])
def test_a_compiled_condition_answers_as_its_definition(op):
    ctx = {"p": Parcel(), "d": {"n": 1, "none": None, "sub": {"n": 0}}, "none": None, "n": 0}
    for name in FIELDS:
        for value in VALUES:
            if op in ("in", "not_in") and not isinstance(value, list):
                continue
            (condition,) = parse_conditions([{"field": name, op: value}], "where")
            try:
                expected = _expected(condition, ctx)
            except TypeError:  # e.g. "delivered" > 1: the compiled test fails alike
                with pytest.raises(TypeError):
                    condition.holds(ctx)
                continue
            assert condition.holds(ctx) is expected, (name, op, value)


def test_a_condition_is_still_equal_hashable_and_picklable():
    import pickle

    (one,) = parse_conditions([{"field": "cart.item_count", "eq": 0}], "where")
    (two,) = parse_conditions([{"field": "cart.item_count", "eq": 0}], "where")
    assert one == two and hash(one) == hash(two) and pickle.loads(pickle.dumps(one)) == one
    assert pickle.loads(pickle.dumps(one)).holds({"cart": {"item_count": 0}})
