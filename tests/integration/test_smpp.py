"""The SMPP provider against a real SMPP server (smpp34's) on loopback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import smpp34

from smsc import SHOPPER, WAIT, Proxy, Smsc, by_part, free_port, reassembled, sms
from tidings.adapters.providers.smpp import SmppProvider
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, Transient

pytest_plugins = ("smpp_fixtures",)


# --- sending ------------------------------------------------------------------------------


def test_short_gsm_text_goes_as_the_exact_septets(provider: SmppProvider, smsc: Smsc) -> None:
    accepted = provider.send(sms("Hi! Order #12: 5$ @ Ann {ok} €"))

    assert accepted == Accepted(refs=("msg-1",))
    [seen] = smsc.submits
    assert seen.data_coding == 0 and seen.esm_class == 0
    assert seen.short_message == b"Hi! Order #12: 5\x02 \x00 Ann \x1b(ok\x1b) \x1be"


def test_addresses_and_receipt_request(provider: SmppProvider, smsc: Smsc) -> None:
    provider.send(sms("hello"))

    [seen] = smsc.submits
    assert (seen.dest_addr_ton, seen.dest_addr_npi, seen.destination_addr) == (1, 1, SHOPPER[1:])
    assert (seen.source_addr_ton, seen.source_addr_npi, seen.source_addr) == (5, 0, "Acme")
    assert seen.registered_delivery == 1


def test_default_source_and_no_receipts(connect: Callable[..., SmppProvider], smsc: Smsc) -> None:
    provider = connect(source_addr="+4915112345678", registered_delivery=False)
    provider.send(sms("hello", sender=""))

    [seen] = smsc.submits
    assert (seen.source_addr_ton, seen.source_addr_npi, seen.source_addr) == (1, 1, "4915112345678")
    assert seen.registered_delivery == 0


def test_chinese_text_goes_as_ucs2(provider: SmppProvider, smsc: Smsc) -> None:
    text = "您的订单已发货，预计明天送达。"
    provider.send(sms(text))

    [seen] = smsc.submits
    assert seen.data_coding == 8 and seen.esm_class == 0
    assert seen.short_message == text.encode("utf-16-be")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param(("Your parcel is on its way. " * 15)[:400], 3, id="gsm7"),
        pytest.param("订单" * 40 + "😀" * 20 + "已发货" * 10, 3, id="ucs2-with-emoji"),
    ],
)
def test_long_text_goes_as_concatenated_parts(
    provider: SmppProvider, smsc: Smsc, text: str, parts: int
) -> None:
    accepted = provider.send(sms(text))

    assert len(smsc.submits) == parts
    assert accepted.refs == tuple(s.message_id for s in by_part(smsc.submits))
    assert len(set(accepted.refs)) == parts
    assert all(s.esm_class == 0x40 for s in smsc.submits)
    assert reassembled(smsc.submits) == text


def test_extension_characters_at_a_part_boundary_stay_whole(
    provider: SmppProvider, smsc: Smsc
) -> None:
    text = "a" * 152 + "€{" + "b" * 10
    provider.send(sms(text))

    first, second = by_part(smsc.submits)  # a window sends both at once: any may come first
    assert first.short_message[6:] == b"a" * 152
    assert second.short_message[6:] == b"\x1be\x1b(" + b"b" * 10
    assert reassembled(smsc.submits) == text


def test_each_long_text_has_its_own_reference(provider: SmppProvider, smsc: Smsc) -> None:
    provider.send(sms("x" * 200))
    provider.send(sms("y" * 200))

    refs = [s.udh[0] for s in smsc.submits if s.udh]
    assert refs[0] == refs[1] != refs[2] == refs[3]


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [smpp34.ESME_RTHROTTLED, smpp34.ESME_RMSGQFUL])
def test_throttled_part_is_sent_again_after_growing_pauses(
    provider: SmppProvider, smsc: Smsc, sleeps: list[float], status: int
) -> None:
    smsc.refuse_next(2, status)

    accepted = provider.send(sms("hello"))

    assert [s.status for s in smsc.submits] == [status, status, 0]
    assert sleeps == pytest.approx([0.2, 0.4])
    assert accepted == Accepted(refs=("msg-1",))


def test_throttling_that_does_not_stop_is_transient(
    connect: Callable[..., SmppProvider], smsc: Smsc, sleeps: list[float]
) -> None:
    provider = connect(throttle_retries=3, backoff=0.5)
    smsc.refuse_all(smpp34.ESME_RTHROTTLED)

    with pytest.raises(Transient, match=r"ESME_RTHROTTLED \(0x00000058\)"):
        provider.send(sms("hello"))

    assert len(smsc.submits) == 4
    assert sleeps == pytest.approx([0.5, 1.0, 2.0])


def test_invalid_destination_is_permanent_and_named(provider: SmppProvider, smsc: Smsc) -> None:
    smsc.refuse_next(1, smpp34.ESME_RINVDSTADR)

    with pytest.raises(Permanent, match=r"ESME_RINVDSTADR \(0x0000000B\)"):
        provider.send(sms("hello"))

    assert len(smsc.submits) == 1


def test_system_error_is_transient_and_named(provider: SmppProvider, smsc: Smsc) -> None:
    smsc.refuse_next(1, smpp34.ESME_RSYSERR)

    with pytest.raises(Transient, match=r"ESME_RSYSERR \(0x00000008\)"):
        provider.send(sms("hello"))


def test_refused_second_part_fails_the_message(provider: SmppProvider, smsc: Smsc) -> None:
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RINVSRCADR)

    with pytest.raises(Permanent, match="ESME_RINVSRCADR"):
        provider.send(sms("z" * 200))

    assert [s.status for s in smsc.submits] == [smpp34.ESME_ROK, smpp34.ESME_RINVSRCADR]


def test_a_long_text_sent_again_sends_only_the_parts_not_yet_taken(
    provider: SmppProvider, smsc: Smsc
) -> None:
    text = ("Your parcel is on its way. " * 15)[:400]
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RSYSERR)
    with pytest.raises(Transient, match="ESME_RSYSERR"):
        provider.send(sms(text))

    accepted = provider.send(sms(text))

    taken = by_part([s for s in smsc.submits if s.status == smpp34.ESME_ROK])
    assert [s.status for s in smsc.submits] == [0, smpp34.ESME_RSYSERR, 0, 0]
    assert accepted.refs == tuple(s.message_id for s in taken)
    assert reassembled(taken) == text


def test_the_parts_taken_are_kept_apart_for_each_phone_a_message_goes_to(
    provider: SmppProvider, smsc: Smsc
) -> None:
    """A merchant alert goes to every merchant phone under one message id."""
    text, other = "z" * 200, "+8613900139000"
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RSYSERR)
    with pytest.raises(Transient):
        provider.send(sms(text))
    provider.send(sms(text, to=other))

    provider.send(sms(text))

    first_phone = [s for s in smsc.submits if s.destination_addr == SHOPPER[1:]]
    assert [s.status for s in first_phone] == [0, smpp34.ESME_RSYSERR, 0]
    assert reassembled([s for s in first_phone if s.status == 0]) == text
    assert reassembled([s for s in smsc.submits if s.destination_addr == other[1:]]) == text


def test_another_text_under_the_same_message_id_goes_whole(
    provider: SmppProvider, smsc: Smsc
) -> None:
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RSYSERR)
    with pytest.raises(Transient):
        provider.send(sms("x" * 200))

    accepted = provider.send(sms("y" * 200))

    assert len(accepted.refs) == 2
    assert reassembled(smsc.submits[2:]) == "y" * 200
    assert smsc.submits[0].udh and smsc.submits[2].udh
    assert smsc.submits[0].udh[0] != smsc.submits[2].udh[0]


@pytest.mark.parametrize(
    ("outgoing", "reason"),
    [
        (sms("hi", to="not a number"), "not a phone number"),
        (sms("hi", sender="Acme Shop Online"), "alphanumeric sender id"),
        (Outgoing("s1", "m1", "email", "a@b.example", "hi"), "not email"),
    ],
)
def test_what_cannot_be_sent_is_permanent_before_any_submit(
    provider: SmppProvider, smsc: Smsc, outgoing: Outgoing, reason: str
) -> None:
    with pytest.raises(Permanent, match=reason):
        provider.send(outgoing)
    assert smsc.submits == []


# --- the session --------------------------------------------------------------------------


def test_binds_again_after_the_smsc_unbound(provider: SmppProvider, smsc: Smsc) -> None:
    provider.send(sms("one"))
    smsc.unbind()
    provider.poll(lambda item: None, wait=WAIT)  # reads the unbind, answers and closes
    smsc.wait_for(lambda: smsc.sessions[0].session_id in smsc.ended, "end of the first session")

    accepted = provider.send(sms("two"))

    assert accepted == Accepted(refs=("msg-2",))
    first, second = smsc.submits
    assert first.session_id != second.session_id == smsc.sessions[1].session_id


def test_binds_again_after_the_connection_was_cut(
    connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    proxy = Proxy(smsc.port)
    provider = connect(port=proxy.port)
    try:
        provider.send(sms("one"))
        proxy.cut()

        accepted = provider.send(sms("two"))
    finally:
        proxy.close()

    assert accepted == Accepted(refs=("msg-2",))
    assert [s.text for s in smsc.submits] == ["one", "two"]
    assert len({s.session_id for s in smsc.submits}) == 2


def test_unreachable_smsc_is_transient(connect: Callable[..., SmppProvider]) -> None:
    provider = connect(port=free_port())

    with pytest.raises(Transient, match="cannot bind"):
        provider.send(sms("hello"))
    with pytest.raises(Transient, match="cannot bind"):
        provider.poll(lambda item: None)


def test_close_unbinds(provider: SmppProvider, smsc: Smsc) -> None:
    provider.send(sms("hello"))
    provider.close()

    smsc.wait_for(lambda: smsc.sessions[0].session_id in smsc.ended, "unbind")
    provider.close()  # again: nothing to do
