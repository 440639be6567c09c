"""A Dysms SendSms endpoint on loopback that checks a request as the provider does: the V3
signature (computed here on its own, from the provider's documented steps), the action and
version, the form's UTF-8, the signature name and the template code; then answers as scripted."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

KEY_ID, SECRET, SIGN_NAME = "LTAI5tTest", "aliyun-secret", "Acme"


def expected_authorization(method: str, headers: dict[str, str], body: bytes) -> str:
    """Authorization as the provider recomputes it from what it received."""
    names = sorted(k for k in headers if k in ("host", "content-type") or k.startswith("x-acs-"))
    canonical = "\n".join(
        [method, "/", "", "".join(f"{k}:{headers[k].strip()}\n" for k in names), ";".join(names),
         hashlib.sha256(body).hexdigest()]
    )  # fmt: skip
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    sig = hmac.new(SECRET.encode(), f"ACS3-HMAC-SHA256\n{digest}".encode(), hashlib.sha256)
    signed = ";".join(names)
    return (
        f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={signed},Signature={sig.hexdigest()}"
    )


class FakeDysms(ThreadingHTTPServer):
    def __init__(self, approved: set[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.approved = approved
        self.forms: list[dict[str, str]] = []  # every SendSms taken
        self.refusals: list[str] = []  # codes to answer the next calls with
        self.next_biz = 1
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: FakeDysms

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if headers.get("authorization") != expected_authorization("POST", headers, body):
            return self._answer(400, "SignatureDoesNotMatch", "signature does not match")
        if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return self._answer(400, "InvalidParameter", "content hash")
        if (headers.get("x-acs-action"), headers.get("x-acs-version")) != ("SendSms", "2017-05-25"):
            return self._answer(400, "InvalidAction.NotFound", "action")
        try:
            form = dict(parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return self._answer(400, "InvalidParameter", "form encoding")
        if body.decode() != "&".join(f"{k}={quote(v, safe='-_.~')}" for k, v in form.items()):
            return self._answer(400, "InvalidParameter", "not RFC 3986 encoded")
        with self.server.lock:
            if self.server.refusals:
                return self._answer(200, self.server.refusals.pop(0), "scripted refusal")
            if form.get("SignName") != SIGN_NAME:
                return self._answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")
            if form.get("TemplateCode") not in self.server.approved:
                return self._answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法")
            json.loads(form["TemplateParam"])
            self.server.forms.append(form)
            biz, self.server.next_biz = f"B{self.server.next_biz}", self.server.next_biz + 1
        return self._answer(200, "OK", "OK", BizId=biz)

    def _answer(self, status: int, code: str, message: str, **more: str) -> None:
        data = json.dumps({"Code": code, "Message": message, "RequestId": "R", **more}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass
