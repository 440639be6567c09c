"""The SMPP provider's session against a scripted SMSC: what smpp34's server cannot be made to do
(refuse a bind, send enquire_link on cue, write a deliver_sm just before a submit_sm_resp)."""

from __future__ import annotations

from typing import Any

import pytest

from smsc import HOST, NOW, SHOPPER, WAIT, FixedClock, sms
from smsc_script import (
    BIND_TRANSCEIVER,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    UNBIND,
    UNBIND_RESP,
    Pdu,
    Peer,
    ScriptedSmsc,
    deliver_sm,
)
from tidings.adapters.providers.smpp import SmppProvider
from tidings.adapters.providers.smpp.statuses import submit_refused
from tidings.domain.delivery import Receipt, Reply
from tidings.domain.errors import Permanent, ProviderError, Transient

STOP = Reply(provider="smpp", sender=SHOPPER, to="Acme", text="STOP", at=NOW)
ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID = 0x0D, 0x0E, 0x0F


def provider_for(smsc: ScriptedSmsc, **settings: Any) -> SmppProvider:
    defaults: dict[str, Any] = {"timeout": WAIT, "clock": FixedClock()}
    return SmppProvider(
        host=HOST, port=smsc.port, system_id="tidings", password="secret", **defaults | settings
    )


def commands(peer: Peer) -> list[tuple[int, int, int]]:
    return [(pdu.command_id, pdu.status, pdu.sequence) for pdu in peer.seen]


@pytest.mark.parametrize(
    ("status", "error", "name"),
    [
        (ESME_RINVPASWD, Permanent, r"ESME_RINVPASWD \(0x0000000E\)"),
        (ESME_RINVSYSID, Permanent, r"ESME_RINVSYSID \(0x0000000F\)"),
        (ESME_RBINDFAIL, Transient, r"ESME_RBINDFAIL \(0x0000000D\)"),
    ],
)
def test_refused_bind(status: int, error: type[ProviderError], name: str) -> None:
    smsc = ScriptedSmsc(lambda peer: (peer.bind(status), peer.answer_until_closed()))
    provider = provider_for(smsc)

    with pytest.raises(error, match=name) as raised:
        provider.send(sms("hello"))
    provider.close()

    assert type(raised.value) is error
    assert [pdu.command_id for pdu in smsc.finish().seen] == [BIND_TRANSCEIVER]


def test_enquire_link_is_answered_and_sent_when_idle() -> None:
    def script(peer: Peer) -> None:
        peer.bind()
        peer.write(Pdu(ENQUIRE_LINK, 0, 77), deliver_sm(78, SHOPPER[1:], "Acme", b"STOP"))
        peer.answer_until_closed()

    smsc = ScriptedSmsc(script)
    ticks = [0.0]
    provider = provider_for(smsc, monotonic=lambda: ticks[0], enquire_link_every=30)
    received: list[Receipt | Reply] = []

    provider.poll(received.append, wait=WAIT)
    ticks[0] = 29.0
    provider.poll(received.append)
    ticks[0] = 31.0
    provider.poll(received.append)
    provider.close()

    assert received == [STOP]
    seen = commands(smsc.finish())
    assert seen[:3] == [
        (BIND_TRANSCEIVER, 0, seen[0][2]),
        (ENQUIRE_LINK_RESP, 0, 77),
        (DELIVER_SM_RESP, 0, 78),
    ]
    assert [command for command, _, _ in seen[3:]] == [ENQUIRE_LINK, UNBIND]


def test_unbind_from_the_smsc_is_answered_and_the_session_closed() -> None:
    smsc = ScriptedSmsc(
        lambda peer: (peer.bind(), peer.write(Pdu(UNBIND, 0, 5)), peer.answer_until_closed())
    )
    provider = provider_for(smsc)

    provider.poll(lambda item: None, wait=WAIT)

    assert commands(smsc.finish())[1:] == [(UNBIND_RESP, 0, 5)]
    provider.close()


def kept_while_sending(peer: Peer) -> None:
    """A reply comes between a submit_sm and its response."""
    peer.bind()
    submit = peer.read()
    assert submit is not None and submit.command_id == SUBMIT_SM
    peer.write(
        deliver_sm(90, SHOPPER[1:], "Acme", b"STOP"),
        Pdu(SUBMIT_SM_RESP, 0, submit.sequence, b"id-1\x00"),
    )
    peer.answer_until_closed()


def test_reply_read_while_sending_is_handed_by_the_next_poll() -> None:
    smsc = ScriptedSmsc(kept_while_sending)
    provider = provider_for(smsc)
    received: list[Receipt | Reply] = []

    assert provider.send(sms("hello")).refs == ("id-1",)
    provider.poll(received.append)
    provider.close()

    assert received == [STOP]
    assert [(s, q) for c, s, q in commands(smsc.finish()) if c == DELIVER_SM_RESP] == [(0, 90)]


def test_reply_read_while_sending_is_not_acknowledged_before_it_was_handled() -> None:
    smsc = ScriptedSmsc(kept_while_sending)
    provider = provider_for(smsc)
    tried: list[Receipt | Reply] = []

    def failing(item: Receipt | Reply) -> None:
        tried.append(item)
        raise RuntimeError("database is away")

    provider.send(sms("hello"))
    with pytest.raises(RuntimeError):
        provider.poll(failing)
    provider.poll(failing)  # refused, so no longer kept: the SMSC delivers it again
    provider.close()

    assert tried == [STOP]
    assert [(s, q) for c, s, q in commands(smsc.finish()) if c == DELIVER_SM_RESP] == [(0x64, 90)]


def test_no_answer_to_a_submit_is_transient() -> None:
    def silent(peer: Peer) -> None:
        peer.bind()
        assert peer.read() is not None  # the submit_sm, never answered
        peer.answer_until_closed()

    smsc = ScriptedSmsc(silent)
    provider = provider_for(smsc, timeout=0.2)

    with pytest.raises(Transient, match=r"no submit_sm_resp within 0\.2 s"):
        provider.send(sms("hello"))
    provider.close()

    assert [pdu.command_id for pdu in smsc.finish().seen] == [BIND_TRANSCEIVER, SUBMIT_SM, UNBIND]


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (0x00000001, Permanent, "ESME_RINVMSGLEN (0x00000001)"),
        (0x00000045, Transient, "ESME_RSUBMITFAIL (0x00000045)"),
        (0x00000400, Transient, "unknown status (0x00000400)"),
    ],
)
def test_statuses_smpp34_cannot_send(status: int, error: type[ProviderError], text: str) -> None:
    refused = submit_refused(status)
    assert type(refused) is error
    assert str(refused) == f"the SMSC refused the message: {text}"
