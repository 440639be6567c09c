"""JD's JOS router on loopback, checking a call as JOS does: the system parameters (method,
app_key, access_token, timestamp "yyyy-MM-dd HH:mm:ss", v=2.0), the MD5 signature (computed
here on its own: secret, then each parameter's name and value sorted by name, then the
secret; upper-case hex), and the month-long window; then it answers `jingdong.pop.order.
enSearch` (orders by modification time, oldest first, in pages) and `jingdong.pop.
PopCommentJsfService.getVenderCommentsForJos` (reviews by creation time, NEWEST first, in
pages) from what the test put in, or a refusal in JOS's `error_response` shape. The one fake
of the router for every method tidings calls.

It serves the SMS relay too (`SEND`): the business fields are checked against the order they
name (its encrypted consignee, `consigneeInfo.oaid`), the approved signature name and templates
(`approved`), then sent (`sent`) and answered with a `msgId`. The router's shapes (the
`<method>_responce` wrapper, gateway code 2 "App Call Limited", 12 "Invalid Signature") follow
the JOS reference; the relay method's business fields and result codes are ours (see
adapters/providers/jd_relay.py).

The test changes `orders` between pulls as the platform would (an order cancelled after it was
paid, shipped, finished): each change sets the order's `modified`."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

APP_KEY, SECRET, TOKEN = "jd-app-key-1", "jd-app-secret-1", "jd-access-token-1"
ORDERS = "jingdong.pop.order.enSearch"
COMMENTS = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
SEND = "jingdong.jos.order.sms.send"  # the relay's method: tidings' choice, see jd_relay.py
SIGN_NAME = "Acme京东店"  # the SMS signature JD approved for the store
FORMAT = "%Y-%m-%d %H:%M:%S"
BEIJING = timezone(timedelta(hours=8))


def jos_sign(secret: str, form: dict[str, str]) -> str:
    text = "".join(f"{k}{form[k]}" for k in sorted(form) if k != "sign" and form[k] != "")
    return hashlib.md5((secret + text + secret).encode()).hexdigest().upper()


class FakeJos(ThreadingHTTPServer):
    def __init__(self, approved: frozenset[str] | set[str] = frozenset()) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/routerjson"
        self.orders: dict[str, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every call taken: method, params
        self.limited = 0  # the next calls refused as over the app's limit
        self.clock_off = timedelta(0)  # the router's clock against the wall's
        self.approved = set(approved)  # the relay's approved template ids
        self.sent: list[dict[str, Any]] = []  # the relay's business fields of every SMS sent
        self.lock = threading.Lock()

    def put(self, order: dict[str, Any]) -> None:
        with self.lock:
            self.orders[str(order["orderId"])] = order

    def __enter__(self) -> FakeJos:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeJos

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = dict(parse_qsl(body.decode("utf-8")))
        refusal = self._refusal(form)
        if refusal:
            return self._send({"error_response": {"code": refusal[0], "zh_desc": refusal[1],
                                                  "en_desc": refusal[2]}})  # fmt: skip
        params = json.loads(form["360buy_param_json"])
        with self.server.lock:
            self.server.calls.append((form["method"], params))
            if form["method"] == ORDERS:
                return self._send({"jingdong_pop_order_enSearch_responce": self._orders(params)})
            if form["method"] == SEND:
                return self._send({SEND.replace(".", "_") + "_responce": self._relay(params)})
            key = "jingdong_pop_PopCommentJsfService_getVenderCommentsForJos_responce"
            return self._send({key: self._comments(params)})

    def _refusal(self, form: dict[str, str]) -> tuple[str, str, str] | None:
        if not form.get("sign"):
            return "11", "缺少签名参数", "Missing Signature"
        if form.get("app_key") != APP_KEY or not hmac.compare_digest(
            form["sign"], jos_sign(SECRET, form)
        ):
            return "12", "无效签名", "Invalid Signature"
        if form.get("v") != "2.0":
            return "5", "不支持的版本号", "Unsupported Version"
        try:
            sent = datetime.strptime(form.get("timestamp", ""), FORMAT).replace(tzinfo=BEIJING)
        except ValueError:
            return "8", "非法的时间戳参数", "Invalid Timestamp"
        if abs(sent - (datetime.now(UTC) + self.server.clock_off)) > timedelta(minutes=10):
            return "8", "时间戳与服务器时间相差超过10分钟", "Invalid Timestamp"
        if form.get("method") not in (ORDERS, COMMENTS, SEND):
            return "15", "不存在的方法名", "Invalid Method"
        if form.get("access_token") != TOKEN:
            return "19", "无效的access_token", "Invalid access_token"
        with self.server.lock:
            if self.server.limited:
                self.server.limited -= 1
                return "2", "限制时间内调用失败次数", "App Call Limited"
        return None

    def _orders(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _time(params["start_date"]), _time(params["end_date"])
        size, page = int(params["page_size"]), int(params["page"])
        if end - start > timedelta(days=31) or size > 100 or str(params.get("dateType")) == "1":
            failed = {"success": False, "englishErrCode": "bad window, page size or date type"}
            return {"code": "0", "searchorderinfo_result": {"apiResult": failed}}
        states = set(params["order_state"].split(","))
        found = sorted((o for o in self.server.orders.values()
                        if start <= _time(o["modified"]) <= end and o["orderState"] in states),
                       key=lambda o: (o["modified"], str(o["orderId"])))  # fmt: skip
        fields = set(params["optional_fields"].split(","))
        page_of = [{k: v for k, v in o.items() if k in fields}
                   for o in found[(page - 1) * size : page * size]]  # fmt: skip
        done = {"success": True, "numberCode": 0}
        return {"code": "0", "searchorderinfo_result": {
            "apiResult": done, "orderTotal": len(found), "orderInfoList": page_of}}  # fmt: skip

    def _comments(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _time(params["beginTime"]), _time(params["endTime"])
        size, page = int(params["pageSize"]), int(params["page"])
        found = sorted((c for c in self.server.comments
                        if start <= _time(c["creationTime"]) <= end),
                       key=lambda c: c["creationTime"], reverse=True)  # fmt: skip
        return {"code": "0", "comments": found[(page - 1) * size : page * size],
                "totalItem": len(found), "page": page}  # fmt: skip

    def _relay(self, given: dict[str, Any]) -> dict[str, Any]:
        def refused(code: str, words: str) -> dict[str, Any]:
            return {"code": "0", "result": {"success": False, "code": code, "message": words}}

        order = self.server.orders.get(str(given.get("orderId", ""))) or {}
        consignee = (order.get("consigneeInfo") or {}).get("oaid")
        if not consignee or consignee != given.get("encryptedConsignee"):
            return refused("ORDER_NOT_MATCH", "订单与收货人不匹配")
        if given.get("signName") != SIGN_NAME:
            return refused("SIGN_NOT_APPROVED", "签名未审核")
        if given.get("templateId") not in self.server.approved:
            return refused("TEMPLATE_NOT_APPROVED", "模板未审核通过")
        if not isinstance(json.loads(given.get("templateParam") or "null"), dict):
            return refused("PARAM_INVALID", "templateParam不是JSON对象")
        self.server.sent.append(given)
        msg_id = f"JD-{len(self.server.sent)}"
        return {"code": "0", "result": {"success": True, "code": "0", "msgId": msg_id}}

    def _send(self, found: dict[str, Any]) -> None:
        data = json.dumps(found, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def _time(text: str) -> datetime:
    return datetime.strptime(text, FORMAT)
