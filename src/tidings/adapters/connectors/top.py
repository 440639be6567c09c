"""Taobao/Tmall's TOP router: one signed POST per API method, three steps.

    request (pure: the common parameters, the method's own, the signature)
      → call (the only I/O: one POST to the gateway)
      → answer (pure: the method's `<name>_response` object, or its `error_response` raised)

Common parameters: `method`, `app_key`, `session` (only for what reads a store's data: the
message queue is the app's own), `timestamp` ("yyyy-MM-dd HH:mm:ss" in GMT+8, and the router
refuses one more than ten minutes off its clock, so it is the wall clock's, never a replay's),
`format=json`, `v=2.0`, `sign_method` (`md5` or `hmac`) and `sign` (adapters/platform_router).

The one rule: every refusal becomes a `PlatformError` that names the method, TOP's code and
its message (code 7, a rate limit, with the wait the router asked for), and never carries the
secret or the session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from tidings.adapters.http_exchange import answer_object
from tidings.adapters.platform_router import (
    RouterError,
    top_form,
    top_key,
    top_refusal,
)
from tidings.adapters.platform_signing import Method
from tidings.domain.connectors import Credentials
from tidings.domain.errors import PlatformError

GATEWAY: Final = "https://eco.taobao.com/router/rest"
RATE_LIMITED: Final = "7"  # App Call Limited
DEFAULT_WAIT: Final = 60.0  # seconds, when a rate limit does not say how long
_BAN = re.compile(r"last for (\d+) more second")
# TOP's top-level codes that say the call itself was refused (the rest are the method's own
# business answers, `sub_code` isv.*): 25 Invalid Signature, 27 Invalid Session, 29 Invalid
# App Key, 31 Invalid Timestamp, 11 Insufficient ISV Permissions, 12 Insufficient User
# Permissions. They are raised whatever the method.
CALL_REFUSED: Final = frozenset({"7", "11", "12", "21", "22", "24", "25", "26", "27", "28", "29",
                                 "30", "31", "32", "33", "34", "42", "44", "47"})  # fmt: skip


def request(credentials: Credentials, method: str, params: Mapping[str, str], at: datetime,
            session: bool = False) -> dict[str, str]:  # fmt: skip
    """The form to POST: the method's parameters, the common ones and the signature."""
    settings = credentials.settings
    return top_form(method, params, app_key=_setting(settings, "app_key"),
                    secret=credentials.secret, at=at, sign_method=sign_method(settings),
                    session=_setting(settings, "session") if session else None)  # fmt: skip


def answer(method: str, status: int, body: bytes) -> dict[str, Any]:
    """The method's response object; a refusal raised as PlatformError naming it."""
    if status >= 500 or status in (429, 408):
        raise PlatformError(f"Taobao answered {method} with HTTP {status}", DEFAULT_WAIT)
    found = answer_object(body)
    if found is None:
        raise PlatformError(f"Taobao answered {method} with what is not a JSON object")
    refused = top_refusal(found)
    if refused is not None:
        raise refusal(method, refused)
    key = top_key(method)
    inner = found.get(key)
    if not isinstance(inner, dict):
        raise PlatformError(f"Taobao answered {method} without {key} (HTTP {status})")
    return inner


class Refusal(PlatformError):
    """TOP's own refusal, with its `code` and `sub_code`."""

    def __init__(self, message: str, retry_after: float, *, code: str, sub_code: str) -> None:
        super().__init__(message, retry_after)
        self.code, self.sub_code = code, sub_code

    @property
    def of_the_call(self) -> bool:
        """The router refused the call itself (a signature, a session, a rate limit), rather
        than the method answering about one trade."""
        return self.code in CALL_REFUSED


def refusal(method: str, error: RouterError) -> Refusal:
    """TOP's `error_response` as one error: code, message, sub-code, sub-message."""
    code = error.code or "?"
    text = f"Taobao refused {method}: code {code} {error.words}".rstrip()
    if error.sub_code or error.sub_words:
        text += f" ({error.sub_code}: {error.sub_words[:200]})"
    wait = 0.0
    if code == RATE_LIMITED:
        ban = _BAN.search(error.sub_words)
        wait = float(ban.group(1)) if ban else DEFAULT_WAIT
    return Refusal(text, wait, code=code, sub_code=error.sub_code)


def call(http: Any, credentials: Credentials, method: str, params: Mapping[str, str],
         session: bool = False) -> dict[str, Any]:  # fmt: skip
    """One POST to the store's gateway (the only I/O); the method's response object."""
    url = credentials.settings.get("url") or GATEWAY
    form = request(credentials, method, params, datetime.now(UTC), session)
    try:
        got = http.post(url, data=form)
    except httpx.HTTPError as exc:  # no answer, or no connection: asked again later
        raise PlatformError(f"Taobao did not answer {method}: {type(exc).__name__}",
                            DEFAULT_WAIT) from None  # fmt: skip
    return answer(method, got.status_code, got.content)


def sign_method(settings: Mapping[str, str]) -> Method:
    chosen = settings.get("sign_method", "md5")
    if chosen not in ("md5", "hmac"):
        raise PlatformError(f"setting sign_method: must be md5 or hmac, not {chosen[:16]!r}")
    return "hmac" if chosen == "hmac" else "md5"


def _setting(settings: Mapping[str, str], name: str) -> str:
    value = settings.get(name, "").strip()
    if not value:
        raise PlatformError(f"setting {name} is missing: add it with --setting {name}=…")
    return value
