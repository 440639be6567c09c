"""Receipts and shoppers' replies from a real SMPP server (smpp34's) on loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import smpp34

from smsc import NOW, SHOPPER, WAIT, Smsc, deliver_part, sms
from tidings.adapters.providers.smpp import SmppProvider
from tidings.adapters.providers.smpp.inbound import PART_WAIT
from tidings.domain.delivery import Receipt, Reply

pytest_plugins = ("smpp_fixtures",)
RX_T_APPN = 0x64  # what the adapter answers for a deliver_sm its handler failed on


RECEIPT = (
    "id:{} sub:001 dlvrd:001 submit date:2503011200 done date:2503011201 stat:{} err:{} text:hi"
)


@pytest.mark.parametrize("with_tlvs", [True, False], ids=["tlvs", "text-only"])
def test_delivery_receipt_names_the_id_given_at_submit(
    provider: SmppProvider, smsc: Smsc, with_tlvs: bool
) -> None:
    [ref] = provider.send(sms("hello")).refs
    tlvs = [
        smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, ref.encode() + b"\x00"),
        smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([2])),
    ]
    answer = smsc.deliver(
        "Acme",
        RECEIPT.format(ref, "DELIVRD", "000").encode(),
        source_addr=SHOPPER[1:],
        esm_class=0x04,
        tlvs=tlvs if with_tlvs else [],
    )
    received: list[Receipt | Reply] = []

    provider.poll(received.append, wait=WAIT)

    assert received == [Receipt(provider="smpp", ref=ref, status="delivered", at=NOW)]
    assert answer.result(WAIT) == smpp34.ESME_ROK


@pytest.mark.parametrize(
    ("stat", "err", "status", "error"),
    [
        ("UNDELIV", "012", "undeliverable", "UNDELIV err:012"),
        ("EXPIRED", "000", "undeliverable", "EXPIRED"),
        ("REJECTD", "003", "undeliverable", "REJECTD err:003"),
        ("UNKNOWN", "000", "failed", "UNKNOWN"),
    ],
)
def test_failed_receipts(
    provider: SmppProvider, smsc: Smsc, stat: str, err: str, status: str, error: str
) -> None:
    [ref] = provider.send(sms("hello")).refs
    smsc.deliver("Acme", RECEIPT.format(ref, stat, err).encode(), esm_class=0x04)
    received: list[Receipt | Reply] = []

    provider.poll(received.append, wait=WAIT)

    assert received == [Receipt("smpp", ref, status, NOW, error)]  # type: ignore[arg-type]


def test_receipt_not_yet_final_is_acknowledged_and_not_handed(
    provider: SmppProvider, smsc: Smsc
) -> None:
    [ref] = provider.send(sms("hello")).refs
    interim = smsc.deliver("Acme", RECEIPT.format(ref, "ENROUTE", "000").encode(), esm_class=4)
    final = smsc.deliver("Acme", RECEIPT.format(ref, "DELIVRD", "000").encode(), esm_class=4)
    received: list[Receipt | Reply] = []

    provider.poll(received.append, wait=WAIT)

    assert interim.result(WAIT) == smpp34.ESME_ROK
    assert [r.status for r in received if isinstance(r, Receipt)] == ["delivered"]
    assert final.result(WAIT) == smpp34.ESME_ROK


@pytest.mark.parametrize(
    ("message", "coding", "text"),
    [(b"STOP", 0, "STOP"), ("退订".encode("utf-16-be"), 8, "退订")],
    ids=["gsm7", "ucs2"],
)
def test_shoppers_reply(
    provider: SmppProvider, smsc: Smsc, message: bytes, coding: int, text: str
) -> None:
    provider.poll(lambda item: None)  # binds
    answer = smsc.deliver(
        "Acme",
        message,
        source_addr=SHOPPER[1:],
        source_addr_ton=1,
        source_addr_npi=1,
        dest_addr_ton=5,
        dest_addr_npi=0,
        data_coding=coding,
    )
    received: list[Receipt | Reply] = []

    provider.poll(received.append, wait=WAIT)

    assert received == [Reply(provider="smpp", sender=SHOPPER, to="Acme", text=text, at=NOW)]
    assert answer.result(WAIT) == smpp34.ESME_ROK


def test_reply_a_handler_failed_on_is_refused_and_comes_again(
    provider: SmppProvider, smsc: Smsc
) -> None:
    provider.poll(lambda item: None)
    answers = smsc.deliver_until_taken("Acme", b"STOP", source_addr=SHOPPER[1:], source_addr_ton=1)
    tried: list[Receipt | Reply] = []

    def failing(item: Receipt | Reply) -> None:
        tried.append(item)
        raise RuntimeError("database is away")

    with pytest.raises(RuntimeError, match="database is away"):
        provider.poll(failing, wait=WAIT)
    received: list[Receipt | Reply] = []
    provider.poll(received.append, wait=WAIT)

    assert answers.result(WAIT) == [RX_T_APPN, smpp34.ESME_ROK]
    assert tried == received
    assert [r.text for r in received if isinstance(r, Reply)] == ["STOP"]


def test_poll_with_nothing_come_returns_at_once(provider: SmppProvider, smsc: Smsc) -> None:
    received: list[Receipt | Reply] = []
    provider.poll(received.append)
    assert received == []
    smsc.session()


def test_logs_hold_no_number_and_no_text(
    provider: SmppProvider, smsc: Smsc, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    provider.send(sms("Secret words"))
    smsc.deliver("Acme", b"STOP please", source_addr=SHOPPER[1:], source_addr_ton=1)
    provider.poll(lambda item: None, wait=WAIT)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "smpp accepted m1 for +86138****8000" in logged
    assert "smpp reply from +86138****8000" in logged
    for secret in (SHOPPER[1:], "Secret words", "STOP please"):
        assert secret not in logged
        assert secret.encode().hex() not in logged


LONG_REPLY = ["我上周买的外套尺码偏小，", "能不能换成大一号的？", "谢谢"]


def test_a_long_reply_is_handed_once_whole_in_the_order_of_its_parts(
    provider: SmppProvider, smsc: Smsc
) -> None:
    provider.poll(lambda item: None)  # binds
    received: list[Receipt | Reply] = []

    answers = [
        deliver_part(provider, smsc, received, (77, 3, seq), LONG_REPLY[seq - 1])
        for seq in (2, 3, 1)
    ]

    assert received == [Reply("smpp", SHOPPER, "Acme", "".join(LONG_REPLY), NOW)]
    assert answers == [smpp34.ESME_ROK] * 3


def test_the_parts_of_different_replies_are_kept_apart(provider: SmppProvider, smsc: Smsc) -> None:
    provider.poll(lambda item: None)
    other = "+8613900139000"
    received: list[Receipt | Reply] = []

    for sender, ref, seq, text in [
        (SHOPPER, 5, 1, "A1"),
        (other, 5, 1, "B1"),
        (SHOPPER, 6, 1, "C1"),
        (other, 5, 2, "B2"),
        (SHOPPER, 5, 2, "A2"),
    ]:
        deliver_part(provider, smsc, received, (ref, 2, seq), text, sender=sender)

    assert [(r.sender, r.text) for r in received if isinstance(r, Reply)] == [
        (other, "B1B2"),
        (SHOPPER, "A1A2"),
    ]


def test_a_whole_reply_the_handler_failed_on_comes_whole_again(
    provider: SmppProvider, smsc: Smsc
) -> None:
    provider.poll(lambda item: None)
    received: list[Receipt | Reply] = []
    deliver_part(provider, smsc, received, (9, 2, 1), "退")
    failing = True

    def handle(item: Receipt | Reply) -> None:
        if failing:
            raise RuntimeError("database is away")
        received.append(item)

    last = smsc.deliver_until_taken(
        "Acme",
        bytes([5, 0, 3, 9, 2, 2]) + "订".encode("utf-16-be"),
        source_addr=SHOPPER[1:],
        source_addr_ton=1,
        esm_class=0x40,
        data_coding=8,
    )
    with pytest.raises(RuntimeError):
        provider.poll(handle, wait=WAIT)
    failing = False
    provider.poll(handle, wait=WAIT)

    assert last.result(WAIT) == [RX_T_APPN, smpp34.ESME_ROK]
    assert [r.text for r in received if isinstance(r, Reply)] == ["退订"]


@pytest.fixture
def on_a_clock(connect: Callable[..., SmppProvider]) -> tuple[SmppProvider, list[float]]:
    """A provider bound, whose monotonic clock the test sets (`now[0]`)."""
    now = [0.0]
    provider = connect(monotonic=lambda: now[0])
    provider.poll(lambda item: None)
    return provider, now


def test_a_reply_whose_parts_stop_coming_goes_with_what_came(
    on_a_clock: tuple[SmppProvider, list[float]], smsc: Smsc
) -> None:
    provider, now = on_a_clock
    received: list[Receipt | Reply] = []
    deliver_part(provider, smsc, received, (3, 3, 1), "first ")
    deliver_part(provider, smsc, received, (3, 3, 3), "third")

    now[0] = PART_WAIT - 1
    provider.poll(received.append)
    assert received == []
    now[0] = PART_WAIT
    provider.poll(received.append)
    provider.poll(received.append)

    assert [r.text for r in received if isinstance(r, Reply)] == ["first third"]


def test_a_character_split_between_two_parts_is_whole_in_the_reply(
    provider: SmppProvider, smsc: Smsc
) -> None:
    provider.poll(lambda item: None)
    received: list[Receipt | Reply] = []
    emoji = "好😀".encode("utf-16-be")  # the emoji is a surrogate pair: 4 octets

    deliver_part(provider, smsc, received, (8, 2, 1), emoji[:4])
    deliver_part(provider, smsc, received, (8, 2, 2), emoji[4:])

    assert [r.text for r in received if isinstance(r, Reply)] == ["好😀"]


def test_a_part_that_comes_again_after_its_reply_went_is_no_reply_of_its_own(
    on_a_clock: tuple[SmppProvider, list[float]], smsc: Smsc
) -> None:
    provider, now = on_a_clock
    received: list[Receipt | Reply] = []
    deliver_part(provider, smsc, received, (4, 2, 1), "one ")
    deliver_part(provider, smsc, received, (4, 2, 2), "two")

    assert deliver_part(provider, smsc, received, (4, 2, 2), "two") == smpp34.ESME_ROK
    now[0] = PART_WAIT + 1
    provider.poll(received.append)

    assert [r.text for r in received if isinstance(r, Reply)] == ["one two"]


def test_an_unfinished_reply_the_handler_fails_on_holds_up_no_other_reply(
    on_a_clock: tuple[SmppProvider, list[float]], smsc: Smsc, caplog: pytest.LogCaptureFixture
) -> None:
    provider, now = on_a_clock
    received: list[Receipt | Reply] = []
    deliver_part(provider, smsc, received, (6, 2, 1), "never stored")
    now[0] = PART_WAIT

    def handle(item: Receipt | Reply) -> None:
        if isinstance(item, Reply) and item.text == "never stored":
            raise RuntimeError("the database refuses this text")
        received.append(item)

    answers = []
    for _ in range(4):  # given up after three failures; STOP still comes through each time
        answer = smsc.deliver("Acme", b"STOP", source_addr=SHOPPER[1:], source_addr_ton=1)
        provider.poll(handle, wait=WAIT)
        answers.append(answer.result(WAIT))

    assert answers == [smpp34.ESME_ROK] * 4
    assert [r.text for r in received if isinstance(r, Reply)] == ["STOP"] * 4
    assert sum("could not be handed over" in r.getMessage() for r in caplog.records) == 3
    assert any("given up" in r.getMessage() for r in caplog.records)
