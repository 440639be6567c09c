"""A JOS router on loopback serving the JD SMS relay as tidings calls it: it recomputes the MD5
signature on its own (secret + sorted name-value pairs + secret, upper-case hex), checks the
common parameters, the seller's token, the order and its encrypted consignee, the signature
name and the template; then sends and answers, or refuses as scripted.

The router's shapes (method, app_key, access_token, timestamp, v, 360buy_param_json, sign;
`error_response` with code / zh_desc / en_desc; the `<method>_responce` wrapper; gateway code 2
"App Call Limited", 12 "Invalid Signature") follow the JOS reference; the relay method's
business fields and result codes are ours (see adapters/providers/jd_relay.py).
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

APP_KEY, SECRET, TOKEN, SIGN_NAME = "JDAPPKEY01", "jos-secret", "jd-token-01", "Acme京东店"
METHOD = "jingdong.jos.order.sms.send"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
RATE_LIMITED = {"code": "2", "zh_desc": "限制时间内调用失败次数", "en_desc": "App Call Limited"}


def jos_sign(params: dict[str, str]) -> str:
    text = "".join(k + params[k] for k in sorted(params) if k != "sign" and params[k])
    return hashlib.md5((SECRET + text + SECRET).encode()).hexdigest().upper()


class FakeJos(ThreadingHTTPServer):
    def __init__(self, approved: set[str], orders: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/routerjson"
        self.approved, self.orders = approved, orders  # order id -> its encrypted consignee
        self.sent: list[dict[str, Any]] = []
        self.refusals: list[dict[str, Any]] = []  # error_responses for the next calls
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: FakeJos

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        with self.server.lock:
            error = self._check(params) or (
                self.server.refusals.pop(0) if self.server.refusals else None
            )
            if error is not None:
                return self._answer({"error_response": error})
            result = self._business(json.loads(params["360buy_param_json"]))
        self._answer({METHOD.replace(".", "_") + "_responce": {"code": "0", "result": result}})

    def _check(self, params: dict[str, str]) -> dict[str, Any] | None:
        if not hmac.compare_digest(params.get("sign", ""), jos_sign(params)):
            return {"code": "12", "zh_desc": "无效签名", "en_desc": "Invalid Signature"}
        if params.get("method") != METHOD:
            return {"code": "15", "zh_desc": "不存在的方法名", "en_desc": "Invalid Method"}
        if params.get("app_key") != APP_KEY or params.get("access_token") != TOKEN:
            return {"code": "19", "zh_desc": "无效的access_token", "en_desc": "Invalid token"}
        if params.get("v") != "2.0" or not TIMESTAMP.match(params.get("timestamp", "")):
            return {"code": "8", "zh_desc": "非法的时间戳参数", "en_desc": "Invalid Timestamp"}
        return None

    def _business(self, given: dict[str, Any]) -> dict[str, Any]:
        def refused(code: str, words: str) -> dict[str, Any]:
            return {"success": False, "code": code, "message": words}

        if self.server.orders.get(given.get("orderId", "")) != given.get("encryptedConsignee"):
            return refused("ORDER_NOT_MATCH", "订单与收货人不匹配")
        if given.get("signName") != SIGN_NAME:
            return refused("SIGN_NOT_APPROVED", "签名未审核")
        if given.get("templateId") not in self.server.approved:
            return refused("TEMPLATE_NOT_APPROVED", "模板未审核通过")
        json.loads(given["templateParam"])
        self.server.sent.append(given)
        return {"success": True, "code": "0", "msgId": f"JD-{len(self.server.sent)}"}

    def _answer(self, data: dict[str, Any]) -> None:
        raw = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass
