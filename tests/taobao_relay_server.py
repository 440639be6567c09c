"""A TOP router on loopback serving `taobao.jst.sms.oaid.message.send` as the platform does
as far as tidings uses it: it recomputes the signature on its own (MD5 of secret + sorted
name-value pairs + secret, or HMAC-MD5; upper-case hex), checks the common parameters, the
seller's session, the order and its oaid, the signature name and the template; then sends and
answers, or refuses as scripted.

The shapes (common parameters, `error_response` with code / msg / sub_code / sub_msg, the
`jst_sms_oaid_message_send_response` with `module` and `request_id`, the business object
`param_send_message_by_o_a_i_d_request`) follow the TOP API reference and its SDK's request
model; the sub_codes of refusals are ours (the platform publishes them per API, behind a login).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

APP_KEY, SECRET, SESSION, SIGN_NAME = "12345678", "top-secret", "6100a-session", "Acme旗舰店"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
BUSINESS = "param_send_message_by_o_a_i_d_request"
RATE_LIMITED = {
    "code": 7,
    "msg": "App Call Limited",
    "sub_code": "accesscontrol.limited-by-app-access-count",
    "sub_msg": "This ban will last for 1 more seconds",
}


def top_sign(params: dict[str, str], method: str) -> str:
    """The signature as the router recomputes it from what it received."""
    text = "".join(k + params[k] for k in sorted(params) if k != "sign" and params[k])
    if method == "hmac":
        return hmac.new(SECRET.encode(), text.encode(), hashlib.md5).hexdigest().upper()
    return hashlib.md5((SECRET + text + SECRET).encode()).hexdigest().upper()


class FakeTop(ThreadingHTTPServer):
    def __init__(self, approved: set[str], orders: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/router/rest"
        self.approved, self.orders = approved, orders  # order id -> its oaid
        self.sent: list[dict[str, Any]] = []  # the business object of every SMS sent
        self.refusals: list[dict[str, Any]] = []  # error_responses for the next calls
        self.calls = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: FakeTop

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        with self.server.lock:
            self.server.calls += 1
            error = self._check(params) or (
                self.server.refusals.pop(0) if self.server.refusals else None
            )
            if error is None:
                error = self._business(json.loads(params[BUSINESS]))
            if error is not None:
                return self._answer({"error_response": {**error, "request_id": "r"}})
            number = len(self.server.sent)
        module = f"SMS-{number}"
        self._answer({"jst_sms_oaid_message_send_response": {"module": module, "request_id": "r"}})

    def _check(self, params: dict[str, str]) -> dict[str, Any] | None:
        method = params.get("sign_method", "md5")
        if not hmac.compare_digest(params.get("sign", ""), top_sign(params, method)):
            return {"code": 25, "msg": "Invalid signature"}
        if params.get("method") != "taobao.jst.sms.oaid.message.send":
            return {"code": 22, "msg": "Invalid method"}
        if params.get("app_key") != APP_KEY:
            return {"code": 29, "msg": "Invalid app Key"}
        if params.get("session") != SESSION:
            return {"code": 27, "msg": "Invalid session"}
        if (params.get("v"), params.get("format")) != ("2.0", "json"):
            return {"code": 30, "msg": "Invalid format or version"}
        if not TIMESTAMP.match(params.get("timestamp", "")):
            return {"code": 31, "msg": "Invalid timestamp"}
        if BUSINESS not in params:
            return {"code": 40, "msg": f"Missing required arguments:{BUSINESS}"}
        return None

    def _business(self, given: dict[str, Any]) -> dict[str, Any] | None:
        def refused(sub: str, words: str) -> dict[str, Any]:
            return {"code": 15, "msg": "Remote service error", "sub_code": sub, "sub_msg": words}

        if self.server.orders.get(given.get("order_id", "")) != given.get("oaid"):
            return refused("isv.oaid-not-match-order", "OAID与订单不匹配")
        if given.get("sms_free_sign_name") != SIGN_NAME:
            return refused("isv.sign-name-invalid", "短信签名未审核通过")
        if given.get("template_code") not in self.server.approved:
            return refused("isv.template-not-approved", "短信模板未审核通过")
        if not isinstance(json.loads(given["params"]), dict):
            return refused("isv.params-invalid", "params不是JSON对象")
        self.server.sent.append(given)
        return None

    def _answer(self, data: dict[str, Any]) -> None:
        raw = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass
