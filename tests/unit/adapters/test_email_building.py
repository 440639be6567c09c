"""The email an outgoing message becomes, built without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tidings.adapters.providers.smtp import build_email, html_from_text, message_id_header
from tidings.domain.delivery import Outgoing
from tidings.domain.errors import NaiveDatetime, Permanent

AT = datetime(2024, 11, 11, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def _out(**changes: str) -> Outgoing:
    fields = {"store_id": "s1", "message_id": "msg_1", "channel": "email", "to": "ana@mail.example"}
    fields |= {"subject": "Your order", "body": "Hello"}
    return Outgoing(**(fields | changes))


def test_the_same_message_builds_the_same_headers():
    first, again = (
        build_email(_out(), "shop@shop.example", at=AT),
        build_email(_out(), "shop@shop.example", at=AT),
    )
    assert first["Message-ID"] == again["Message-ID"] == "<msg_1@shop.example>"
    assert first["Date"] == again["Date"] == "Mon, 11 Nov 2024 09:30:00 +0800"


def test_message_ids_keep_to_safe_characters_and_find_a_domain():
    assert (
        message_id_header("alert:s1/7 ü", "Shop <a@shop.example>") == "<alert-s1-7--@shop.example>"
    )
    assert message_id_header("msg_1", "no address") == "<msg_1@tidings>"
    assert message_id_header("msg_1", "a@[127.0.0.1]") == "<msg_1@tidings>"


def test_the_html_fallback_escapes_the_text_and_keeps_its_lines():
    page = html_from_text("Tom & <Jerry>\nline two")
    assert "<p>Tom &amp; &lt;Jerry&gt;<br>\nline two</p>" in page
    assert '<meta charset="utf-8">' in page


def test_a_subject_over_several_lines_becomes_one():
    mail = build_email(_out(subject="Your order\n  has shipped"), "s@x.example", at=AT)
    assert mail["Subject"] == "Your order has shipped"


def test_what_cannot_be_built_is_permanent_or_refused():
    with pytest.raises(Permanent, match="no sender"):
        build_email(_out(), "", at=AT)
    with pytest.raises(Permanent, match="cannot be built"):
        build_email(_out(to="ana@mail.example\nBcc: all@mail.example"), "s@x.example", at=AT)
    with pytest.raises(Permanent, match="cannot be built"):
        build_email(_out(unsubscribe="https://u.example/\r\nBcc: x@y.example"), "s@x", at=AT)
    with pytest.raises(NaiveDatetime):
        build_email(_out(), "s@x.example", at=datetime(2024, 1, 1))


def test_the_date_is_now_when_not_given():
    mail = build_email(_out(), "s@x.example")
    assert abs(mail["Date"].datetime - datetime.now(UTC)) < timedelta(minutes=1)
