"""A Tencent Cloud SendSms endpoint on loopback that checks a request as the provider does: the
TC3-HMAC-SHA256 signature (computed here on its own, from the provider's documented steps), the
action and version, the JSON's UTF-8, the app, the signature name, the template and the length
of each value; then answers as scripted."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID, SECRET_KEY, APP_ID, SIGN_NAME = "AKIDtest", "tencent-secret", "1400000001", "Acme"


def expected_authorization(headers: dict[str, str], body: bytes) -> str:
    signed = "content-type;host;x-tc-action"
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['content-type']}\nhost:{headers['host']}\n"
        f"x-tc-action:{headers['x-tc-action'].lower()}\n\n{signed}\n"
        + hashlib.sha256(body).hexdigest()
    )
    stamp = int(headers["x-tc-timestamp"])
    day = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/sms/tc3_request"
    to_sign = (
        f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    )
    key = ("TC3" + SECRET_KEY).encode()
    for part in (day, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders={signed}, Signature={sig}"
    )


class FakeTencentSms(ThreadingHTTPServer):
    def __init__(self, approved: set[str], value_limit: int = 35) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.approved, self.value_limit = approved, value_limit
        self.calls: list[dict[str, object]] = []  # every SendSms taken
        self.refusals: list[str] = []  # codes of the whole call to answer the next calls with
        self.next_serial = 1
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: FakeTencentSms

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if headers.get("authorization") != expected_authorization(headers, body):
            return self._error("AuthFailure.SignatureFailure", "signature")
        if (headers.get("x-tc-action"), headers.get("x-tc-version")) != ("SendSms", "2021-01-11"):
            return self._error("InvalidAction", "action")
        try:
            call = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self._error("InvalidParameter", "JSON in UTF-8 expected")
        with self.server.lock:
            if self.server.refusals:
                return self._error(self.server.refusals.pop(0), "scripted refusal")
            if (call.get("SmsSdkAppId"), call.get("SignName")) != (APP_ID, SIGN_NAME):
                return self._one("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批")
            if call.get("TemplateId") not in self.server.approved:
                return self._one("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批")
            if any(len(v) > self.server.value_limit for v in call["TemplateParamSet"]):
                return self._one("InvalidParameterValue.TemplateParameterLengthLimit", "变量过长")
            self.server.calls.append(call)
            serial, self.server.next_serial = (
                f"S{self.server.next_serial}",
                self.server.next_serial + 1,
            )
        return self._one("Ok", "send success", SerialNo=serial)

    def _one(self, code: str, message: str, **more: str) -> None:
        one = {"PhoneNumber": "+8613800138000", "Code": code, "Message": message, **more}
        self._answer({"Response": {"SendStatusSet": [one], "RequestId": "R"}})

    def _error(self, code: str, message: str) -> None:
        self._answer({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "R"}})

    def _answer(self, data: object) -> None:
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass
