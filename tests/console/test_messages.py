"""Messages: found by order, cart, shipment, customer or phone, the phone masked; a timeline."""

from __future__ import annotations

import pytest

from console.html_tree import parse
from tidings.services.queries_messages import masked


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("+8613800138000", "+86 138****8000"),
        ("+74951234567", "+7 495****4567"),
        ("wf@mail.example", "wf***@mail.example"),
        (None, "-"),
    ],
)
def test_addresses_are_shown_masked(address, shown):
    assert masked(address) == shown


def test_messages_of_an_order_are_found_and_the_phone_is_masked(console):
    console.sign_in()
    page = console.get("/console/acme/messages?q=o2", lang="zh-CN")
    rows = page.select("#rows tr.message")
    assert rows and {r.one(".subject").text for r in rows} == {"订单 o2"}
    assert {r.one(".subject-name").attrs["data-subject"] for r in rows} == {"order:o2"}
    assert {r.one(".to").text for r in rows} == {"+86 138****8000"}
    assert "13800138000" not in console.client.get("/console/acme/messages?q=o2").text


def test_messages_are_found_by_phone_and_by_customer(console):
    console.sign_in()
    by_phone = console.get("/console/acme/messages?q=%2B8613800138000")
    by_customer = console.get("/console/acme/messages?q=c1")
    assert by_phone.texts("#rows .subject") == by_customer.texts("#rows .subject")
    assert len(by_phone.select("#rows tr.message")) >= 3
    assert console.get("/console/acme/messages?q=o9").select("#rows tr.message") == []


def test_filters_and_their_block_alone(console):
    console.sign_in()
    page = console.get("/console/acme/messages?status=suppressed", lang="ru")
    assert set(page.texts("#rows .status")) == {"Не отправлено"}
    block = console.client.get(
        "/console/acme/messages?status=suppressed",
        headers={"X-Console-Block": "rows", "Accept-Language": "ru"},
    )
    assert block.text.lstrip().startswith('<div id="rows">')
    assert parse(block.text).texts(".status") == page.texts("#rows .status")


def test_the_journey_and_reason_filters_offer_the_stores_journeys_and_reasons_in_words(console):
    console.sign_in()
    path = "/console/acme/messages?journey=payment_reminder&reason=frequency_cap"
    page = console.get(path, lang="ru")
    journeys = {o.attrs["value"]: o.text for o in page.select("select[name=journey] option")}
    assert journeys["payment_reminder"] == "Напоминание об оплате"
    assert journeys[""] and "cart_recovery" in journeys
    chosen = [o.attrs["value"] for o in page.select("option") if "selected" in o.attrs]
    assert chosen == ["payment_reminder", "frequency_cap"]
    reasons = {o.attrs["value"]: o.text for o in page.select("select[name=reason] option")}
    assert reasons["frequency_cap"] == "Превышен лимит частоты"


def test_one_messages_timeline(console):
    console.sign_in()
    page = console.get("/console/acme/messages?status=sent")
    (row, *_) = [r for r in page.select("#rows tr.message") if r.one(".to").text[:3] == "+86"]
    link = row.select("a")[0].attrs["href"]
    timeline = console.get(link, lang="ru")
    assert timeline.texts("#timeline .what")[0] == "Решение"
    assert timeline.one(".to").text.startswith("+86 138****8000")


def test_an_unknown_message_is_told_in_the_readers_language(console):
    console.sign_in()
    page = console.get("/console/acme/messages/nope", lang="zh-CN", status=404)
    assert page.one("#problem").text == "此店铺没有这条消息。"


def test_messages_export_as_csv_with_the_phone_masked(console):
    console.sign_in()
    answer = console.client.get("/console/acme/messages?q=o2&format=csv")
    lines = answer.text.splitlines()
    assert lines[0].startswith("message_id,journey,step,subject") and len(lines) >= 2
    assert "13800138000" not in answer.text and "'+86 138****8000" in answer.text
