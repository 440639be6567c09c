"""Order exports read as contract events: the platforms' CSV shapes (synthetic samples in
fixtures/exports), bad rows named by line, ids that a second import or the platform's webhook
for the same fact repeat."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from connector_kit import FIXTURES, NY, SHANGHAI, delivery, sample, shopify

from tidings.adapters.connectors import exports
from tidings.adapters.connectors import shopify as shopify_hooks
from tidings.domain.connectors import StoreFacts

NOW = datetime(2026, 11, 11, tzinfo=UTC)
MOSCOW = StoreFacts("Europe/Moscow", "RU", "RUB")


def _read(name: str, fmt: str, facts: StoreFacts = NY) -> list[exports.Order | exports.Bad]:
    text = (FIXTURES / "exports" / name).read_text(encoding="utf-8")
    return list(exports.read(io.StringIO(text, newline=""), fmt, "acme", facts, NOW))


def _text(lines: list[str], fmt: str, facts: StoreFacts = NY) -> list[exports.Order | exports.Bad]:
    return list(exports.read(io.StringIO("\r\n".join(lines) + "\r\n"), fmt, "acme", facts, NOW))


def _events(found: list[exports.Order | exports.Bad]) -> list[dict]:
    return [e for o in found if isinstance(o, exports.Order) for e in o.events]


def _by_id(found: list[exports.Order | exports.Bad]) -> dict[str, dict]:
    return {e["id"]: e for e in _events(found)}


def test_a_shopify_order_of_two_lines_is_its_customer_its_order_and_its_payment():
    first = _read("shopify_orders.synthetic.csv", "shopify")[0]
    assert isinstance(first, exports.Order) and first.line == 2
    buyer, created, paid = first.events
    who = buyer["data"]["customer_id"]
    assert buyer["type"] == "customer.upserted" and who.startswith("em-")
    assert buyer["data"] == {"customer_id": who, "email": "Alice.Shopper@Example.com",
                             "phone": "+14155552671", "name": "Alice Shopper",
                             "email_consent": True}  # fmt: skip
    assert created["id"] == "shopify:order:5100000001:created"
    assert created["occurred_at"] == "2026-10-05T09:12:00-04:00"
    assert created["data"] == {
        "order_id": "5100000001", "customer_id": who, "total": "59.00", "currency": "USD",
        "payment": "prepaid", "status": "paid",
        "items": [{"sku": "SHIRT-M", "name": "Linen shirt - M", "qty": 2, "price": "19.50"},
                  {"sku": "TOTE", "name": "Canvas tote", "qty": 1, "price": "20.00"}],
    }  # fmt: skip
    assert (paid["id"], paid["occurred_at"]) == ("shopify:order:5100000001:paid",
                                                 "2026-10-05T09:13:10-04:00")  # fmt: skip
    assert paid["data"] == {"order_id": "5100000001", "amount": "59.00"}


@pytest.mark.parametrize(
    ("order_id", "types", "status", "payment"),
    [("5100000002", ["customer.upserted", "order.created"], "unpaid", "prepaid"),  # pending
     ("5100000003", ["customer.upserted", "order.created"], "unpaid", "cod"),  # "(COD)"
     ("5100000004", ["customer.upserted", "order.created", "order.paid", "order.cancelled"],
      "paid", "prepaid"),  # refunded, then cancelled
     ("5100000005", ["customer.upserted", "order.created", "order.paid"], "paid", "prepaid")],
)  # fmt: skip
def test_each_shopify_order_says_what_its_status_and_payment_method_say(
    order_id, types, status, payment
):
    orders = [o for o in _read("shopify_orders.synthetic.csv", "shopify")
              if isinstance(o, exports.Order)]  # fmt: skip
    [order] = [o for o in orders if o.events[1]["data"]["order_id"] == order_id]
    assert [e["type"] for e in order.events] == types
    assert (order.events[1]["data"]["status"], order.events[1]["data"]["payment"]) == (
        status, payment)  # fmt: skip


def test_the_same_email_in_another_case_is_the_same_customer_and_no_email_a_guest():
    events = _by_id(_read("shopify_orders.synthetic.csv", "shopify"))
    alice = events["shopify:order:5100000001:created"]["data"]["customer_id"]
    assert events["shopify:order:5100000004:created"]["data"]["customer_id"] == alice
    no_email = events["shopify:order:5100000005:created"]["data"]
    assert no_email["customer_id"] == "guest-5100000005"
    cancelled = events["shopify:order:5100000004:cancelled"]
    assert cancelled["data"] == {"order_id": "5100000004", "reason": "other"}
    assert cancelled["occurred_at"] == "2026-10-11T08:30:00-04:00"


def test_an_order_exported_and_sent_by_webhook_has_the_same_ids_and_the_same_customer():
    order = sample("shopify", "order.json")  # Bob Norman's order 450789469, paid
    hooked = shopify_hooks.translate(delivery("shopify", shopify(order, "orders/paid")))
    row = ["#1001", "Bob.Norman@HostMail.com ", "paid", "2026-10-05 09:13:10 -0400", "USD",
           "199.00", "2026-10-05 09:12:00 -0400", "1", "IPod Nano - 8gb", "199.00",
           "450789469"]  # fmt: skip
    header = ("Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem quantity,"
              "Lineitem name,Lineitem price,Id")  # fmt: skip
    exported = _events(_text([header, ",".join(row)], "shopify"))
    webhook_ids = {e["id"] for e in hooked.events}
    assert {"shopify:order:450789469:created", "shopify:order:450789469:paid"} <= webhook_ids
    assert [e["id"] for e in exported][1:] == ["shopify:order:450789469:created",
                                               "shopify:order:450789469:paid"]  # fmt: skip
    assert exported[0]["data"]["customer_id"] == hooked.customer_id
    assert hooked.events[0]["data"]["customer_id"] == hooked.customer_id


def test_reading_the_file_again_gives_the_same_events():
    once = _read("shopify_orders.synthetic.csv", "shopify")
    assert once == _read("shopify_orders.synthetic.csv", "shopify")
    assert len({e["id"] for e in _events(once)}) == len(_events(once)) == 14


def test_bad_shopify_rows_are_named_by_line_and_the_good_orders_around_them_kept():
    found = _read("shopify_bad_rows.synthetic.csv", "shopify")
    bad = [(o.line, o.reason) for o in found if isinstance(o, exports.Bad)]
    assert bad == [
        (3, "Total: not an amount: 'ten dollars'"),
        (4, "currency: the store sells in USD, this is in EUR"),
        (6, "Lineitem quantity: not a quantity: '0'"),  # the second line of order #2004
        (7, "Created at: not a time: 'yesterday'"),
    ]
    kept = [o.events[1]["data"]["order_id"] for o in found if isinstance(o, exports.Order)]
    assert kept == ["5200000001", "5200000006"]


def test_a_file_without_the_formats_columns_is_one_bad_line_one():
    found = _text(["order_id,created_at", "1,2026-10-01T00:00:00Z"], "shopify")
    assert len(found) == 1 and isinstance(found[0], exports.Bad) and found[0].line == 1
    assert found[0].reason.startswith("not a shopify export: no column 'Name', 'Email'")


def test_an_orders_lines_apart_in_the_file_or_without_its_first_row_are_refused():
    header = "order_id,created_at,total,sku,qty,price"
    found = _text([header, "A,2026-10-01T10:00:00Z,5.00,X,1,5.00",
                   "B,2026-10-01T11:00:00Z,5.00,Y,1,5.00",
                   "A,2026-10-01T10:00:00Z,5.00,Z,1,5.00"], "generic")  # fmt: skip
    assert [(o.line, o.reason) for o in found if isinstance(o, exports.Bad)] == [
        (4, "order 'A': its rows are not together in the file")]  # fmt: skip
    header = ("Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,"
              "Lineitem name,Lineitem price")  # fmt: skip
    lonely = _text([header, "#9,a@b.c,,,,,1,Pen,1.00"], "shopify")
    assert isinstance(lonely[0], exports.Bad) and lonely[0].line == 2
    assert "the order's own columns are missing" in lonely[0].reason


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_number():
    header = "order_id,created_at,total,item_name,qty,price"
    found = _text([header, 'A,2026-10-01T10:00:00Z,5.00,"two', 'lines",1,5.00',
                   "B,2026-10-01T11:00:00Z,lots,Y,1,5.00"], "generic")  # fmt: skip
    assert isinstance(found[0], exports.Order) and found[0].events[1]["data"]["items"][0][
        "name"] == "two\r\nlines"  # fmt: skip
    assert (found[1].line, found[1].reason) == (4, "total: not an amount: 'lots'")  # type: ignore[union-attr]


def test_a_woocommerce_export_reads_status_payment_and_guests_as_the_webhooks_do():
    events = _by_id(_read("woocommerce_orders.synthetic.csv", "woocommerce", SHANGHAI))
    paid = events["woocommerce:order:727:created"]["data"]
    assert paid["status"] == "paid" and paid["customer_id"] == "12"
    assert paid["items"] == [{"sku": "CUP-1", "name": "保温杯 & 杯套", "qty": 2, "price": "99.00"}]
    assert events["woocommerce:order:727:paid"]["data"] == {"order_id": "727", "amount": "198.00"}
    guest = events["woocommerce:order:728:created"]["data"]
    assert (guest["customer_id"], guest["status"]) == ("guest-728", "unpaid")
    assert [i["price"] for i in guest["items"]] == ["39.00", "20.00"]
    cod = events["woocommerce:order:729:created"]["data"]
    assert (cod["payment"], cod["status"]) == ("cod", "unpaid")
    assert "woocommerce:order:729:paid" not in events
    assert events["woocommerce:order:730:cancelled"]["data"]["reason"] == "closed_unpaid"
    person = events["woocommerce-export:customer:15:729"]["data"]
    assert person["phone"] == "+8613800138002"
    assert events["woocommerce:order:727:created"]["occurred_at"] == "2026-10-03T14:05:00+08:00"


def test_the_generic_format_reads_offsets_the_stores_zone_cod_and_cancellations():
    events = _by_id(_read("generic_orders.synthetic.csv", "generic", MOSCOW))
    first = events["import:order:A-1:created"]
    assert first["data"]["total"] == "1500.00" and len(first["data"]["items"]) == 2
    assert events["import:order:A-1:paid"]["occurred_at"] == "2026-10-02T10:05:00+03:00"
    cod = events["import:order:A-2:created"]
    assert cod["occurred_at"] == "2026-10-03T12:00:00+03:00"  # no offset: Moscow's
    assert (cod["data"]["customer_id"], cod["data"]["payment"]) == ("c-77", "cod")
    assert events["import:customer:c-77:A-2"]["data"]["phone"] == "+79161234568"
    assert events["import:order:A-3:cancelled"]["data"]["reason"] == "customer"


def test_the_readme_documents_every_column_of_the_generic_format():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    header = (FIXTURES / "exports" / "generic_orders.synthetic.csv").read_text().splitlines()[0]
    for column in header.split(","):
        assert f"`{column}`" in readme
