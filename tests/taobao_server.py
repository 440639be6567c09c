"""Taobao's TOP router on loopback, as an app meets it: a form POSTed to the gateway, checked
as the router checks it (the app key, `v`, `format`, the signature computed here on its own
from TOP's documented rule, the timestamp within ten minutes, the store's session for what
reads its data or sends in its name), then answered as TOP answers, `<method>_response` or
`error_response`. The one fake of the router for every method tidings calls.

It serves the message service (TMC) with its promise: `consume` gives at most `quantity`
messages not given yet, `confirm` forgets them, and what was given but not confirmed is given
again once TMC's wait has passed (`lapse`). It serves the trade (with the receiver's name and
phone, as an app with the right permission gets them), the rates and the refunds, and answers a rate
limit (`limited`) with code 7 and the wait.

It serves the SMS relay, `taobao.jst.sms.oaid.message.send`: the business object
`param_send_message_by_o_a_i_d_request` is checked against the trade it names (its `oaid`), the
approved signature name and templates (`approved`), then sent (`sent`) and answered with
`module`. The shapes follow the TOP API reference and its SDK's request model; the sub_codes of
the relay's refusals are ours (the platform publishes them per API, behind a login).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

APP_KEY, SECRET, SESSION, SELLER = "23456789", "taobao-app-secret", "6100e-session-acme", "2200"
SIGN_NAME = "Acme旗舰店"  # the SMS signature the platform approved for the store
SEND = "taobao.jst.sms.oaid.message.send"
BUSINESS = "param_send_message_by_o_a_i_d_request"
IN_THE_STORES_NAME = ("taobao.trade.fullinfo.get", "taobao.traderates.get", "taobao.refund.get",
                      SEND)  # fmt: skip
BEIJING = timezone(timedelta(hours=8))
PHONE, MASKED = "13812345678", "138****5678"  # what must never reach tidings' database


def expected_sign(form: dict[str, str], secret: str = SECRET) -> str:
    """TOP's signature, from its documentation: the parameters but `sign`, sorted by name,
    name and value joined; MD5 of secret + that + secret, or HMAC-MD5 keyed by the secret."""
    text = "".join(f"{k}{form[k]}" for k in sorted(form) if k != "sign" and form[k] != "")
    if form.get("sign_method") == "hmac":
        return hmac.new(secret.encode(), text.encode(), hashlib.md5).hexdigest().upper()
    return hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest().upper()


class FakeTop(ThreadingHTTPServer):
    def __init__(self, approved: frozenset[str] | set[str] = frozenset()) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/router/rest"
        self.queue: dict[int, dict[str, Any]] = {}  # not confirmed yet, in order
        self.given: set[int] = set()  # given and not confirmed: hidden until `lapse`
        self.trades: dict[str, dict[str, Any]] = {}
        self.rates: dict[str, list[dict[str, Any]]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.approved = set(approved)  # the relay's approved template codes
        self.sent: list[dict[str, Any]] = []  # the relay's business object of every SMS sent
        self.limited = 0  # calls to answer with a rate limit
        self.clock_off = timedelta(0)  # the router's clock against the wall's
        self.calls: list[dict[str, str]] = []
        self.next_id = 1001
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def publish(self, topic: str, content: dict[str, Any], user_id: str = SELLER,
                pub_time: str = "2026-11-11 10:00:00") -> int:  # fmt: skip
        with self.lock:
            ident, self.next_id = self.next_id, self.next_id + 1
            self.queue[ident] = {"id": ident, "topic": topic, "pub_time": pub_time,
                                 "user_id": int(user_id), "user_nick": "acme旗舰店",
                                 "pub_app_key": "12497914",
                                 "content": json.dumps(content, ensure_ascii=False)}  # fmt: skip
        return ident

    def lapse(self) -> None:
        """TMC's wait for a confirm has passed: what was given is given again."""
        with self.lock:
            self.given.clear()

    def methods(self) -> list[str]:
        return [c["method"] for c in self.calls]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> FakeTop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"code": code, "msg": msg, "request_id": "r-1"}
    if sub_code:
        found |= {"sub_code": sub_code, "sub_msg": sub_msg}
    return {"error_response": found}


def _refused(sub_code: str, sub_msg: str) -> dict[str, Any]:
    """A method's own refusal (the call itself was right)."""
    return _error(15, "Remote service error", sub_code, sub_msg)


class _Handler(BaseHTTPRequestHandler):
    server: FakeTop

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        with self.server.lock:
            self.server.calls.append(form)
            self._send(self._checked(form) or self._answer(form))

    def _checked(self, form: dict[str, str]) -> dict[str, Any] | None:
        """The router's own checks, in its order; the refusal, or None."""
        if not form.get("app_key"):
            return _error(28, "Missing App Key")
        if form["app_key"] != APP_KEY:
            return _error(29, "Invalid App Key")
        if not form.get("sign"):
            return _error(24, "Missing Signature")
        if form.get("sign_method", "md5") not in ("md5", "hmac"):
            return _error(41, "Invalid Arguments", "isv.invalid-parameter", "sign_method")
        if not hmac.compare_digest(form["sign"], expected_sign(form)):
            return _error(25, "Invalid Signature")
        try:
            sent = datetime.strptime(form.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return _error(30, "Missing Timestamp")
        now = datetime.now(UTC) + self.server.clock_off
        if abs(sent.replace(tzinfo=BEIJING) - now) > timedelta(minutes=10):
            return _error(31, "Invalid Timestamp")
        if (form.get("v"), form.get("format")) != ("2.0", "json"):
            return _error(33, "Invalid Version")
        if self.server.limited:
            self.server.limited -= 1
            return _error(7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
                          "This ban will last for 120 more seconds")  # fmt: skip
        return None

    def _answer(self, form: dict[str, str]) -> dict[str, Any]:
        method = form.get("method", "")
        if method in IN_THE_STORES_NAME:
            if not form.get("session"):
                return _error(26, "Missing Session")
            if form["session"] != SESSION:
                return _error(27, "Invalid session", "invalid-sessionkey", "session is invalid")
        handler = {"taobao.tmc.messages.consume": self._consume,
                   "taobao.tmc.messages.confirm": self._confirm,
                   "taobao.trade.fullinfo.get": self._trade,
                   "taobao.traderates.get": self._rates,
                   "taobao.refund.get": self._refund,
                   SEND: self._relay}.get(method)  # fmt: skip
        if handler is None:
            return _error(22, "Invalid Method")
        return handler(form)

    def _consume(self, form: dict[str, str]) -> dict[str, Any]:
        quantity = int(form.get("quantity") or 100)
        if not 10 <= quantity <= 200:
            return _error(41, "Invalid Arguments", "isv.invalid-parameter", "quantity")
        waiting = [m for i, m in self.server.queue.items() if i not in self.server.given]
        page = waiting[:quantity]
        self.server.given |= {m["id"] for m in page}
        return {"tmc_messages_consume_response": {"messages": {"tmc_message": page}}}

    def _confirm(self, form: dict[str, str]) -> dict[str, Any]:
        ids = [int(i) for i in form.get("s_message_ids", "").split(",") if i]
        if not ids or len(ids) > 200:
            return _error(41, "Invalid Arguments", "isv.invalid-parameter", "s_message_ids")
        for ident in ids:
            self.server.queue.pop(ident, None)
            self.server.given.discard(ident)
        return {"tmc_messages_confirm_response": {"is_success": True}}

    def _trade(self, form: dict[str, str]) -> dict[str, Any]:
        trade = self.server.trades.get(form.get("tid", ""))
        if trade is None:
            return _refused("isv.trade-not-exist", "交易不存在")
        return {"trade_fullinfo_get_response": {"trade": trade}}

    def _refund(self, form: dict[str, str]) -> dict[str, Any]:
        refund = self.server.refunds.get(form.get("refund_id", ""))
        if refund is None:
            return _refused("isv.refund-not-exist", "退款不存在")
        return {"refund_get_response": {"refund": refund}}

    def _rates(self, form: dict[str, str]) -> dict[str, Any]:
        rates = self.server.rates.get(form.get("tid", ""), [])
        mine = [r for r in rates if r.get("role") == form.get("role", "buyer")]
        return {"traderates_get_response": {"trade_rates": {"trade_rate": mine},
                                            "total_results": len(mine)}}  # fmt: skip

    def _relay(self, form: dict[str, str]) -> dict[str, Any]:
        if BUSINESS not in form:
            return _error(40, f"Missing required arguments:{BUSINESS}")
        given = json.loads(form[BUSINESS])
        trade = self.server.trades.get(str(given.get("order_id", ""))) or {}
        if not given.get("oaid") or trade.get("oaid") != given["oaid"]:
            return _refused("isv.oaid-not-match-order", "OAID与订单不匹配")
        if given.get("sms_free_sign_name") != SIGN_NAME:
            return _refused("isv.sign-name-invalid", "短信签名未审核通过")
        if given.get("template_code") not in self.server.approved:
            return _refused("isv.template-not-approved", "短信模板未审核通过")
        if not isinstance(json.loads(given.get("params") or "null"), dict):
            return _refused("isv.params-invalid", "params不是JSON对象")
        self.server.sent.append(given)
        module = f"SMS-{len(self.server.sent)}"
        return {"jst_sms_oaid_message_send_response": {"module": module, "request_id": "r-1"}}

    def _send(self, answer: dict[str, Any]) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(200)  # TOP answers its refusals with 200 and an error_response
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass
