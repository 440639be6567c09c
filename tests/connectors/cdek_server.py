"""CDEK's API v2 on loopback, as far as tidings uses it: the OAuth2 client-credentials token
(`POST /v2/oauth/token`, form-encoded) and an order (`GET /v2/orders/{uuid}` with the Bearer
token). It refuses an unknown client or token (401), answers an order it does not know as
CDEK does (404, `v2_entity_not_found`), and is rate limited on demand (429, `Retry-After`)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID, CLIENT_SECRET = "cdek-client-id", "cdek-client-secret"


class FakeCdek(ThreadingHTTPServer):
    def __init__(self, lifetime: int = 3600) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.lifetime = lifetime  # expires_in of each token, seconds
        self.orders: dict[str, dict[str, Any]] = {}  # uuid -> entity, as CDEK tells it now
        self.tokens: list[str] = []  # issued, oldest first; only these open an order
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request
        self.limited = 0  # how many next requests get 429
        self.issued = 0
        self.retry_after = "2"  # seconds, as a 429 says
        self.lock = threading.Lock()

    def __enter__(self) -> FakeCdek:
        threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeCdek

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
        if self._limited("POST"):
            return
        given = {k: v[0] for k, v in form.items()}
        if self.path != "/v2/oauth/token" or given != {
            "grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET}:  # fmt: skip
            return self._answer(401, {"error": "invalid_client"})
        with self.server.lock:
            self.server.issued += 1
            token = f"token-{self.server.issued}"
            self.server.tokens.append(token)
        self._answer(200, {"access_token": token, "token_type": "bearer",
                           "expires_in": self.server.lifetime, "scope": "order:all",
                           "jti": token})  # fmt: skip

    def do_GET(self) -> None:
        if self._limited("GET"):
            return
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.server.tokens:
            return self._answer(401, {"error": "invalid_token"})
        uuid = self.path.removeprefix("/v2/orders/")
        found = self.server.orders.get(uuid)
        if found is None:
            error = {"code": "v2_entity_not_found", "message": f"Entity {uuid} is not found"}
            return self._answer(404, {"requests": [{"type": "GET", "state": "INVALID",
                                                    "errors": [error]}]})  # fmt: skip
        self._answer(200, {"entity": found, "requests": [{"type": "GET", "state": "SUCCESSFUL"}]})

    def _limited(self, method: str) -> bool:
        with self.server.lock:
            self.server.calls.append((method, self.path))
            if self.server.limited <= 0:
                return False
            self.server.limited -= 1
        self._answer(
            429, {"message": "Too many requests"}, {"Retry-After": self.server.retry_after}
        )
        return True

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)
