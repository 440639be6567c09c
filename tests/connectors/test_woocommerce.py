"""WooCommerce: the signature, the ping, each order status, customers."""

from __future__ import annotations

import pytest
from connector_kit import SECRET, datas, delivery, sample, woocommerce

from tidings.adapters.connectors import woocommerce as platform


def _translate(obj: object, topic: str = "order.updated"):  # type: ignore[no-untyped-def]
    return platform.translate(delivery("woocommerce", woocommerce(obj, topic)))


def test_the_signature_is_the_base64_hmac_of_the_raw_body():
    body, headers = woocommerce({"id": 1}, "order.created")
    lower = {k.lower(): v for k, v in headers.items()}
    assert platform.verify(SECRET, body, lower)
    assert not platform.verify("another-secret", body, lower)
    assert not platform.verify(SECRET, body, {})


def test_the_ping_when_a_webhook_is_saved_is_known_and_unsigned():
    assert platform.ping(b"webhook_id=15", {})
    assert not platform.ping(b"webhook_id=15", {"x-wc-webhook-signature": "x"})
    assert not platform.ping(b'{"id": 1}', {})


def test_an_order_becomes_its_customer_the_order_and_its_payment():
    assert datas(_translate(sample("woocommerce", "order.json"))) == [
        ("customer.upserted", {"customer_id": "guest-727", "email": "john.doe@example.com",
                               "name": "John Doe"}),
        ("order.created", {"order_id": "727", "customer_id": "guest-727",
                           "items": [{"sku": "93", "name": "Woo Single #1", "qty": 2,
                                      "price": "3.00"},
                                     {"sku": "Bar3", "qty": 1, "price": "12.00",
                                      "name": "Ship Your Idea – Color: Black, Size: M Test"}],
                           "total": "29.35", "currency": "USD", "payment": "prepaid",
                           "status": "paid"}),
        ("order.paid", {"order_id": "727", "amount": "29.35"}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "paid"),
    [("pending", "unpaid"), ("on-hold", "unpaid"), ("failed", "unpaid"),
     ("processing", "paid"), ("completed", "paid"), ("refunded", "paid"),
     ("cancelled", "unpaid")],
)  # fmt: skip
def test_order_status(status, paid):
    order = sample("woocommerce", "order.json") | {"status": status}
    assert datas(_translate(order))[1][1]["status"] == paid


def test_cash_on_delivery_while_processing_is_unpaid():
    order = sample("woocommerce", "order.json") | {"payment_method": "cod"}
    kinds = datas(_translate(order))
    assert kinds[1][1]["payment"] == "cod" and kinds[1][1]["status"] == "unpaid"
    assert [k for k, _ in kinds] == ["customer.upserted", "order.created"]


def test_an_unpaid_order_carries_its_payment_url_and_a_cancelled_one_its_reason():
    url = "https://shop.example/checkout/order-pay/727/?pay_for_order=true&key=wc_order_x"
    order = sample("woocommerce", "order.json") | {"status": "pending", "payment_url": url}
    assert datas(_translate(order))[1][1]["pay_url"] == url
    gone = order | {"status": "cancelled", "date_paid": None, "date_paid_gmt": None}
    assert datas(_translate(gone))[2] == (
        "order.cancelled", {"order_id": "727", "reason": "closed_unpaid"})  # fmt: skip


def test_the_billing_phone_is_read_in_the_billing_country():
    order = sample("woocommerce", "order.json")
    order["billing"] |= {"phone": "0612345678", "country": "FR"}
    assert datas(_translate(order))[0][1]["phone"] == "+33612345678"


def test_times_without_offset_use_the_gmt_twin():
    event = _translate(sample("woocommerce", "order.json")).events[1]
    assert event["occurred_at"] == "2017-03-22T19:28:02+00:00"


def test_a_customer():
    [(kind, data)] = datas(_translate(sample("woocommerce", "customer.json"), "customer.updated"))
    assert (kind, data) == ("customer.upserted", {"customer_id": "25",
                            "email": "john.doe@example.com", "name": "John Doe"})  # fmt: skip


def test_a_status_and_a_topic_that_tell_nothing():
    order = sample("woocommerce", "order.json") | {"status": "checkout-draft"}
    assert _translate(order).why == "order status 'checkout-draft' tells the shopper nothing"
    assert _translate({"id": 1}, "product.created").events == []
