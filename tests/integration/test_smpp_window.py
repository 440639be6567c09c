"""The SMPP window: several submit_sm outstanding on one bind, each response matched by its
sequence number, the window halved by a throttle and widened again by parts taken."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import smpp34

from smsc import HOST, WAIT, FixedClock, Smsc, sms
from smsc_script import SUBMIT_SM, SUBMIT_SM_RESP, Pdu, Peer, ScriptedSmsc
from tidings.adapters.providers.smpp import SmppProvider
from tidings.adapters.providers.smpp.window import Window

pytest_plugins = ("smpp_fixtures",)
LONG = ("Your parcel is on its way. " * 15)[:400]  # three parts


def provider_for(smsc: ScriptedSmsc, **settings: Any) -> SmppProvider:
    defaults: dict[str, Any] = {"timeout": WAIT, "clock": FixedClock()}
    return SmppProvider(
        host=HOST, port=smsc.port, system_id="tidings", password="secret", **defaults | settings
    )


def answered_backwards(count: int, message_id: Callable[[Pdu], str]) -> Callable[[Peer], None]:
    """A script: read `count` submit_sm before answering any, then answer the last first."""

    def play(peer: Peer) -> None:
        peer.bind()
        submits = [peer.read() for _ in range(count)]
        for pdu in reversed(submits):
            assert pdu is not None and pdu.command_id == SUBMIT_SM, pdu
            resp = Pdu(SUBMIT_SM_RESP, 0, pdu.sequence, message_id(pdu).encode() + b"\0")
            peer.write(resp)
        peer.answer_until_closed()

    return play


def test_the_parts_of_a_long_text_are_outstanding_together_and_matched_by_sequence() -> None:
    read: list[int] = []

    def numbered(pdu: Pdu) -> str:
        read.append(pdu.sequence)
        return f"id-{len(read)}"  # answered backwards: the third part read is answered first

    smsc = ScriptedSmsc(answered_backwards(3, numbered))
    provider = provider_for(smsc)

    accepted = provider.send(sms(LONG))
    provider.close()
    smsc.finish()

    assert accepted.refs == ("id-3", "id-2", "id-1")  # part 1 was answered last, as id-3
    assert provider.window.widest_open == 3


def test_texts_sent_by_several_threads_are_outstanding_together_on_one_bind() -> None:
    texts = [f"t{n}" for n in range(4)]
    smsc = ScriptedSmsc(answered_backwards(4, lambda pdu: "id-" + pdu.body[-2:].decode()))
    provider = provider_for(smsc, window=4)

    with ThreadPoolExecutor(4) as senders:
        accepted = list(senders.map(lambda text: provider.send(sms(text)), texts))
    provider.close()

    assert [a.refs for a in accepted] == [(f"id-{text}",) for text in texts]
    assert len([p for p in smsc.finish().seen if p.command_id == SUBMIT_SM]) == 4


def test_a_window_of_one_sends_the_parts_one_by_one(
    connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    provider = connect(window=1)

    provider.send(sms(LONG))

    assert len(smsc.submits) == 3
    assert provider.window.widest_open == 1


@pytest.mark.parametrize("status", [smpp34.ESME_RTHROTTLED, smpp34.ESME_RMSGQFUL])
def test_a_throttle_halves_the_window_and_parts_taken_widen_it_again(
    connect: Callable[..., SmppProvider], smsc: Smsc, sleeps: list[float], status: int
) -> None:
    provider = connect(window=8)
    smsc.answer_next(status)

    provider.send(sms("hello"))  # throttled, then taken after a pause
    sizes = [provider.window.size]
    for _ in range(14):
        provider.send(sms("hello"))
        sizes.append(provider.window.size)

    assert sleeps == pytest.approx([0.2])
    # halved to 4; widened by one after each 4, then 5, ... parts taken in a row; never past 8
    assert sizes == [4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 7]


def test_throttles_in_a_row_halve_the_window_down_to_one() -> None:
    window = Window(10)
    sizes = []
    for _ in range(5):
        window.take()
        window.give_back(taken=False)
        sizes.append(window.size)
    assert sizes == [5, 2, 1, 1, 1]


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1, not 0"):
        Window(0)
