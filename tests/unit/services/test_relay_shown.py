"""A relayed message's recipient as the seller sees it: the platform and its order."""

from __future__ import annotations

from tidings.services.queries_messages import masked


def test_a_relayed_recipient_shows_its_platform_and_order_not_the_buyer_id():
    assert masked("taobao:4012345678901234567:AAGq5dEAAeG3Jed") == "taobao:4012345678901234567"
    assert masked("jd:300012345678:JDenc~x==") == "jd:300012345678"
    assert masked("+8613800138000") == "+86 138****8000"  # a phone as before
