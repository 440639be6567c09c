"""A lone R opts a shopper out of a zh-CN store's SMS (拒收请回复R), and of no other store's, on
SQLite and PostgreSQL."""

from __future__ import annotations

from helpers import at, customer, inbound, only, order, replay, store


def test_r_opts_out_of_a_zh_cn_store(db_url):
    out = replay(db_url, [store(), customer(), inbound("R", at(9)), order("o1", at(10))])
    assert [c["step"] for c in only(out, journey="keywords")] == ["opt_out"]
    first = only(out, journey="payment_reminder", step="first")[0]
    assert (first["status"], first["reason"]) == ("suppressed", "opted_out")


def test_r_is_no_word_to_an_english_store(db_url):
    events = [store(locale="en"), customer(), inbound("R", at(9)), order("o1", at(10))]
    out = replay(db_url, events)
    assert only(out, journey="keywords") == []
    assert only(out, journey="payment_reminder", step="first")[0]["status"] == "sent"
