"""Shopify: the signature, each mapping row, and the samples translated into the contract."""

from __future__ import annotations

import pytest
from connector_kit import SECRET, datas, delivery, sample, shopify

from tidings.adapters.connectors import shopify as platform
from tidings.domain.errors import Untranslatable

BOB = "em-9ec3e953e6efc4cb9d208ae6"  # Bob Norman at acme, by his email (Shopify: 207119551)


def _translate(obj: object, topic: str):  # type: ignore[no-untyped-def]
    return platform.translate(delivery("shopify", shopify(obj, topic)))


def _order_data(**over: object) -> dict:
    order = sample("shopify", "order.json") | over
    return dict(datas(_translate(order, "orders/create"))[1][1])


def test_the_signature_is_the_base64_hmac_of_the_raw_body():
    body, headers = shopify({"id": 1}, "orders/create")
    lower = {k.lower(): v for k, v in headers.items()}
    assert platform.verify(SECRET, body, lower)
    assert not platform.verify("another-secret", body, lower)
    assert not platform.verify(SECRET, body + b" ", lower)
    assert not platform.verify(SECRET, body, {"x-shopify-topic": "orders/create"})


def test_a_known_answer():
    # HMAC-SHA256 of b'{"id":1}' with key "hush", base64 (computed with openssl dgst -hmac)
    headers = {"x-shopify-hmac-sha256": "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="}
    assert platform.verify("hush", b'{"id":1}', headers)


def test_an_order_becomes_its_customer_and_the_order():
    (kind1, person), (kind2, order) = datas(_translate(sample("shopify", "order.json"),
                                                       "orders/create"))  # fmt: skip
    assert (kind1, kind2) == ("customer.upserted", "order.created")
    assert person == {"customer_id": BOB, "phone": "+14155552671",
                      "email": "bob.norman@hostmail.com", "name": "Bob Norman",
                      "sms_consent": True}  # fmt: skip
    assert order == {
        "order_id": "450789469", "customer_id": BOB,
        "cart_id": "2a1ace52255252df566af0faaedfbfa7",
        "items": [{"sku": "IPOD2008GREEN", "name": "IPod Nano - 8gb", "qty": 1, "price": "199.00"},
                  {"sku": "IPOD2008RED", "name": "IPod Nano - 8gb", "qty": 1, "price": "199.00"},
                  {"sku": "IPOD2008BLACK", "name": "IPod Nano - 8gb", "qty": 1, "price": "199.00"}],
        "total": "409.94", "currency": "USD", "payment": "prepaid", "status": "unpaid",
        "pay_url": "https://checkout.local/1/orders/b1946ac92492d2347c6235b4d2611184/authenticate?key=abc",
        "coupon_code": "TENOFF",
    }  # fmt: skip


def test_the_same_delivery_translated_twice_gives_the_same_ids():
    order = sample("shopify", "order.json")
    first = [e["id"] for e in _translate(order, "orders/create").events]
    assert first == [e["id"] for e in _translate(order, "orders/create").events]
    assert first[1] == "shopify:order:450789469:created"


@pytest.mark.parametrize(
    ("financial_status", "status"),
    [("pending", "unpaid"), ("partially_paid", "unpaid"), ("authorized", "paid"),
     ("paid", "paid"), ("partially_refunded", "paid"), ("refunded", "paid"),
     ("voided", "unpaid"), ("expired", "unpaid")],
)  # fmt: skip
def test_financial_status(financial_status, status):
    assert _order_data(financial_status=financial_status)["status"] == status


def test_a_paid_order_has_no_pay_link():
    assert "pay_url" not in _order_data(financial_status="paid")


@pytest.mark.parametrize(
    ("gateways", "payment"),
    [(["Cash on Delivery (COD)"], "cod"), (["cash_on_delivery"], "cod"), (["COD"], "cod"),
     (["货到付款"], "cod"), (["shopify_payments"], "prepaid"), (["bogus"], "prepaid"),
     (["codeshare_pay"], "prepaid")],
)  # fmt: skip
def test_cash_on_delivery_is_told_from_the_gateway_names(gateways, payment):
    assert _order_data(payment_gateway_names=gateways, gateway="")["payment"] == payment


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/relative/pay", "ftp://acme.example/pay", "https://", 7]
)
def test_only_absolute_http_links_pass_through(url):
    assert "pay_url" not in _order_data(order_status_url=url)


def test_the_phone_comes_with_its_addresss_country():
    order = sample("shopify", "order.json")
    order["billing_address"]["phone"] = None
    order["shipping_address"] |= {"phone": "020 7946 0958", "country_code": "GB"}
    person = datas(_translate(order, "orders/create"))[0][1]
    assert person["phone"] == "+442079460958"


def test_a_phone_that_is_no_number_is_left_out_and_the_order_kept():
    order = sample("shopify", "order.json")
    order["billing_address"]["phone"] = "call me maybe"
    order["shipping_address"]["phone"] = None
    order["customer"]["default_address"]["phone"] = None
    (_, person), (kind, _) = datas(_translate(order, "orders/create"))
    assert "phone" not in person and kind == "order.created"


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"currency": "EUR"}, "currency: the store sells in USD, this is in EUR"),
     ({"id": None}, "id is missing or not an id"),
     ({"customer": None}, "customer is missing"),
     ({"total_price": "lots"}, "total_price: not an amount: 'lots'")],
)  # fmt: skip
def test_what_cannot_be_translated_says_why(change, reason):
    with pytest.raises(Untranslatable, match=reason):
        _translate(sample("shopify", "order.json") | change, "orders/create")


def test_a_body_that_is_not_json():
    signed = (b"<order/>", shopify({}, "orders/create")[1])
    with pytest.raises(Untranslatable, match="the body is not JSON"):
        platform.translate(delivery("shopify", signed))


def test_an_unknown_topic_tells_nothing():
    assert _translate({"id": 1}, "products/create").why == (
        "topic 'products/create' is not one tidings reads"
    )


def test_paid_adds_the_payment():
    order = sample("shopify", "order.json") | {"financial_status": "paid"}
    kinds = datas(_translate(order, "orders/paid"))
    assert kinds[2] == ("order.paid", {"order_id": "450789469", "amount": "409.94"})


@pytest.mark.parametrize(
    ("cancel_reason", "reason"),
    [("customer", "customer"), ("inventory", "merchant"), ("fraud", "merchant"),
     ("staff", "merchant"), ("declined", "other"), ("other", "other"), (None, "other")],
)  # fmt: skip
def test_cancel_reason(cancel_reason, reason):
    order = sample("shopify", "order.json")
    order |= {"cancel_reason": cancel_reason, "cancelled_at": "2008-01-10T12:00:00-05:00"}
    assert datas(_translate(order, "orders/cancelled")) == [
        ("order.cancelled", {"order_id": "450789469", "reason": reason})]  # fmt: skip


def test_a_fulfillment_ships_the_order():
    assert datas(_translate(sample("shopify", "fulfillment.json"), "fulfillments/create")) == [
        ("order.shipped", {"order_id": "450789469", "shipment_id": "shopify-255858046",
                           "carrier": "UPS", "tracking_number": "1Z2345"})]  # fmt: skip


def test_orders_fulfilled_ships_each_fulfillment_with_the_same_ids():
    order = sample("shopify", "order.json")
    order["fulfillments"] = [sample("shopify", "fulfillment.json")]
    shipped = _translate(order, "orders/fulfilled").events
    alone = _translate(sample("shopify", "fulfillment.json"), "fulfillments/create").events
    assert [e["id"] for e in shipped] == [e["id"] for e in alone]


@pytest.mark.parametrize(
    ("raw", "status"),
    [("label_printed", "info_received"), ("label_purchased", "info_received"),
     ("confirmed", "info_received"), ("carrier_picked_up", "in_transit"),
     ("in_transit", "in_transit"), ("out_for_delivery", "out_for_delivery"),
     ("attempted_delivery", "failed_attempt"), ("ready_for_pickup", "available_for_pickup"),
     ("picked_up", "delivered"), ("delivered", "delivered"), ("delayed", "exception"),
     ("failure", "exception")],
)  # fmt: skip
def test_fulfillment_event_status(raw, status):
    happened = sample("shopify", "fulfillment_event.json") | {"status": raw}
    [(kind, data)] = datas(_translate(happened, "fulfillment_events/create"))
    assert kind == "shipment.checkpoint"
    assert data == {"shipment_id": "shopify-2608403447971", "order_id": "2776493818019",
                    "status": status, "substatus": raw}  # fmt: skip


def test_an_unknown_fulfillment_event_status_tells_nothing():
    happened = sample("shopify", "fulfillment_event.json") | {"status": "teleported"}
    assert _translate(happened, "fulfillment_events/create").events == []


def test_a_checkout_is_a_cart_with_its_recovery_link():
    (_, person), (kind, cart) = datas(_translate(sample("shopify", "checkout.json"),
                                                 "checkouts/create"))  # fmt: skip
    assert person["sms_consent"] is True and kind == "cart.updated"
    assert cart == {
        "cart_id": "2a1ace52255252df566af0faaedfbfa7", "customer_id": BOB,
        "items": [{"sku": "IPOD2008RED", "name": "IPod Nano - 8GB", "qty": 1, "price": "199.00"},
                  {"sku": "IPOD2008PINK", "name": "IPod Nano - 8GB", "qty": 1, "price": "199.00"}],
        "total": "409.94", "currency": "USD",
        "url": "https://checkout.local/orders/690933842/2a1ace52255252df566af0faaedfbfa7?recovered=1",
    }  # fmt: skip


def test_a_completed_checkout_is_no_longer_a_cart():
    done = sample("shopify", "checkout.json") | {"completed_at": "2012-10-12T07:15:27-04:00"}
    cart = datas(_translate(done, "checkouts/update"))[1][1]
    assert cart["items"] == [] and "url" not in cart


@pytest.mark.parametrize(
    ("state", "consent"),
    [("subscribed", True), ("unsubscribed", False), ("redacted", False),
     ("not_subscribed", None), ("pending", None), ("invalid", None)],
)  # fmt: skip
def test_sms_marketing_consent(state, consent):
    person = sample("shopify", "customer.json")
    person["sms_marketing_consent"] = {"state": state}
    person["email_marketing_consent"] = {"state": state}
    [(_, data)] = datas(_translate(person, "customers/update"))
    assert data.get("sms_consent") is consent and data.get("email_consent") is consent


def test_a_customer_without_consent_fields_says_nothing_of_sms():
    [(_, data)] = datas(_translate(sample("shopify", "customer.json"), "customers/create"))
    assert data == {"customer_id": BOB, "email": "bob.norman@hostmail.com",
                    "name": "Bob Norman"}  # fmt: skip


def test_a_shopper_without_an_email_keeps_shopifys_customer_id():
    order = sample("shopify", "order.json")
    order["email"] = order["contact_email"] = None
    order["customer"]["email"] = None
    (_, person), (_, placed) = datas(_translate(order, "orders/create"))
    assert person["customer_id"] == placed["customer_id"] == "207119551"
