"""The Taobao/Tmall and JD relays against local routers that check the signature as the
platforms do (tests/taobao_server.py, tests/jd_server.py: the same fakes the connectors pull
from; the relay checks the order's own oaid or encrypted consignee there)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import jd_server
import taobao_server
from tidings.adapters.providers.jd_relay import JdRelayProvider
from tidings.adapters.providers.taobao_relay import TaobaoRelayProvider
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, Transient
from tidings.domain.provider_templates import TemplateCall

TID, OAID = "4012345678901234567", "1aBcDeFgHiJkLmNoPqRsTu"
JD_ORDER, CONSIGNEE = "300012345678", "JDenc~AbCdEf0123456789=="
CALL = TemplateCall("SMS_1", (("order_id", TID), ("pay", "acme.example/l/Ab3dE")))


@pytest.fixture
def top() -> Iterator[taobao_server.FakeTop]:
    with taobao_server.FakeTop(approved={"SMS_1"}) as server:
        server.trades[TID] = {"tid": TID, "oaid": OAID}  # the trade the relay checks against
        yield server


@pytest.fixture
def jos() -> Iterator[jd_server.FakeJos]:
    with jd_server.FakeJos(approved={"SMS_1"}) as server:
        server.put({"orderId": JD_ORDER, "consigneeInfo": {"oaid": CONSIGNEE}})
        yield server


def _taobao(top: taobao_server.FakeTop, **over: Any) -> TaobaoRelayProvider:
    given = {"app_key": taobao_server.APP_KEY, "app_secret": taobao_server.SECRET,
             "session": taobao_server.SESSION, "sign_name": taobao_server.SIGN_NAME,
             "router": top.url} | over  # fmt: skip
    return TaobaoRelayProvider("tb", **given)


def _jd(jos: jd_server.FakeJos, **over: Any) -> JdRelayProvider:
    given = {"app_key": jd_server.APP_KEY, "app_secret": jd_server.SECRET,
             "access_token": jd_server.TOKEN, "sign_name": jd_server.SIGN_NAME,
             "router": jos.url} | over  # fmt: skip
    return JdRelayProvider("jd", **given)


def _out(to: str = f"taobao:{TID}:{OAID}", call: TemplateCall | None = CALL) -> Outgoing:
    return Outgoing("acme", "msg_1", "sms", to, "【Acme】您的订单…", template=call)


@pytest.mark.parametrize("method", ["md5", "hmac"])
def test_taobao_relays_the_approved_template_to_the_order_and_its_oaid(top, method):
    accepted = _taobao(top, sign_method=method).send(_out())
    assert accepted == Accepted(refs=("SMS-1",))
    (sent,) = top.sent
    assert (sent["order_id"], sent["oaid"], sent["template_code"]) == (TID, OAID, "SMS_1")
    assert sent["sms_free_sign_name"] == "Acme旗舰店"
    assert json.loads(sent["params"]) == {"order_id": TID, "pay": "acme.example/l/Ab3dE"}
    assert sent["extend"] == "msg_1"  # tidings' message id, to match the platform's records


def test_taobao_refuses_a_wrong_secret_as_the_router_does(top):
    with pytest.raises(Permanent, match="25: Invalid Signature"):
        _taobao(top, app_secret="not-the-secret").send(_out())
    assert top.sent == []


def test_a_template_taobao_did_not_approve_fails_with_its_reason(top):
    with pytest.raises(Permanent, match=r"isv\.template-not-approved: 短信模板未审核通过"):
        _taobao(top).send(_out(call=TemplateCall("SMS_9", ())))


def test_taobao_rate_limit_is_tried_again_later(top):
    top.limited = 1
    with pytest.raises(Transient, match=r"accesscontrol\.limited-by-app-access-count"):
        _taobao(top).send(_out())
    assert _taobao(top).send(_out()).refs == ("SMS-1",)  # the next try goes


def test_an_oaid_of_another_order_is_refused(top):
    with pytest.raises(Permanent, match=r"isv\.oaid-not-match-order"):
        _taobao(top).send(_out(to=f"taobao:{TID}:someoneElse0000"))


@pytest.mark.parametrize(
    ("to", "call"),
    [(f"taobao:{TID}:{OAID}", None), ("+8613800138000", CALL), (f"jd:{TID}:{OAID}", CALL)],
    ids=["free text", "a phone", "a JD handle"],
)
def test_taobao_sends_nothing_but_a_template_to_its_own_handle(top, to, call):
    with pytest.raises(Permanent):
        _taobao(top).send(_out(to=to, call=call))
    assert top.calls == []


def test_jd_relays_the_approved_template_to_the_order_and_its_consignee(jos):
    accepted = _jd(jos).send(_out(to=f"jd:{JD_ORDER}:{CONSIGNEE}"))
    assert accepted == Accepted(refs=("JD-1",))
    (sent,) = jos.sent
    assert (sent["orderId"], sent["encryptedConsignee"]) == (JD_ORDER, CONSIGNEE)
    assert (sent["templateId"], sent["signName"], sent["outId"]) == ("SMS_1", "Acme京东店", "msg_1")
    assert json.loads(sent["templateParam"])["order_id"] == TID


def test_jd_refuses_a_wrong_secret_as_the_router_does(jos):
    with pytest.raises(Permanent, match="12: 无效签名"):
        _jd(jos, app_secret="wrong").send(_out(to=f"jd:{JD_ORDER}:{CONSIGNEE}"))


def test_a_template_jd_did_not_approve_fails_with_its_reason(jos):
    with pytest.raises(Permanent, match="TEMPLATE_NOT_APPROVED: 模板未审核通过"):
        _jd(jos).send(_out(to=f"jd:{JD_ORDER}:{CONSIGNEE}", call=TemplateCall("SMS_9", ())))


def test_jd_rate_limit_is_tried_again_later(jos):
    jos.limited = 1
    with pytest.raises(Transient, match="2: 限制时间内调用失败次数"):
        _jd(jos).send(_out(to=f"jd:{JD_ORDER}:{CONSIGNEE}"))
    assert jos.sent == []


def test_jd_sends_nothing_but_a_template_to_its_own_handle(jos):
    for out in (_out(to=f"jd:{JD_ORDER}:{CONSIGNEE}", call=None), _out()):
        with pytest.raises(Permanent):
            _jd(jos).send(out)
    assert jos.sent == []


def test_the_secrets_stay_out_of_what_a_provider_shows(top, jos):
    for provider in (_taobao(top), _jd(jos)):
        shown = repr(provider) + str(vars(provider).get("name"))
        assert "secret" not in shown and "session" not in shown and "token" not in shown
