"""The JD SMS relay: a call through the JOS router that has JD text the buyer of an order.

JD never gives a seller's app the buyer's phone: the consignee comes encrypted, and JD sends
the SMS itself to the buyer of an order, with a template and a signature it approved. Sending
is three steps, only the middle one touches the network:

    build_request(out, at)  ─►  POST {router} (form, UTF-8)  ─►  parse_response
      (pure, JOS-signed MD5:      (httpx)                         (pure)
       adapters/platform_router)

    <method>_responce, result.success        Accepted(refs=(msgId,))
    error_response code 2, result FREQUENCY  Transient (ERRORS below; HTTP 5xx, timeouts too)
    any other refusal                        Permanent, JD's code and words kept

The router's parameters are JOS's (method, app_key, access_token, timestamp, v, the business
JSON in `360buy_param_json`, MD5 `sign`). The relay's method and its business fields were not
in any reference we could read: `METHOD` and `business_of` are our choice, the method
configurable (`method`), and the fields named after the Taobao relay's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from tidings.adapters.http_exchange import HttpSender, answer_object, preview
from tidings.adapters.platform_router import (
    FORM_HEADERS,
    Call,
    jos_form,
    jos_key,
    jos_refusal,
)
from tidings.adapters.redact import scrub
from tidings.domain import relay
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, ProviderError, Transient

METHOD = "jingdong.jos.order.sms.send"  # our choice: configurable

# Refusals worth trying again later: the gateway's `code`, or the relay's own result code;
# any other is permanent (a template not approved, a bad token, an order JD does not know).
ERRORS: dict[str, type[ProviderError]] = {
    "2": Transient,  # App Call Limited (the gateway's calls in a period)
    "66": Transient,  # the platform's own failure
    "FREQUENCY_LIMIT": Transient,  # the buyer's messages in a period
    "SYSTEM_ERROR": Transient,
}


def business_of(out: Outgoing, sign_name: str) -> dict[str, str]:
    """The relay's business fields. Raises Permanent for a message without an approved
    template, or one whose recipient is no JD relay handle."""
    order_id, consignee, template = relay.relayed(out, "jd", "consignee")
    return {
        "orderId": order_id,
        "encryptedConsignee": consignee,
        "signName": sign_name,
        "templateId": template.code,
        "templateParam": json.dumps(dict(template.params), ensure_ascii=False),
        "outId": out.message_id,
    }


def build_request(
    out: Outgoing, *, router: str, app_key: str, secret: str, access_token: str,
    sign_name: str, at: datetime, method: str = METHOD,
) -> Call:  # fmt: skip
    """The signed call that hands `out` to JD's relay as its approved template."""
    form = jos_form(method, business_of(out, sign_name), app_key=app_key, secret=secret,
                    access_token=access_token, at=at)  # fmt: skip
    return Call.of(router, form)


def parse_response(method: str) -> Callable[[int, bytes], Accepted | ProviderError]:
    """How the answer to a call of `method` is read."""
    key = jos_key(method)

    def parse(status: int, body: bytes) -> Accepted | ProviderError:
        data = answer_object(body)
        if data is None:
            text = f"HTTP {status}: {preview(body)}"
            return Transient(text) if status >= 500 or status == 429 else Permanent(text)
        error = jos_refusal(data, language="zh")
        if error is not None:
            return _refused(status, error.code, error.words)
        answer = data.get(key)
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict):
            return (Transient if status >= 500 else Permanent)(f"HTTP {status}: {preview(body)}")
        if result.get("success") is True and result.get("msgId"):
            return Accepted(refs=(str(result["msgId"]),))
        return _refused(status, str(result.get("code", "")), result.get("message"))

    return parse


def _refused(status: int, code: str, words: Any) -> ProviderError:
    kind = ERRORS.get(code) or (Transient if status >= 500 else Permanent)
    return kind(scrub(f"{code}: {words or ''}".strip(": ")))


class JdRelayProvider(HttpSender):
    """A `Provider` that has JD relay a store's SMS to its buyers."""

    def __init__(
        self,
        name: str,
        *,
        app_key: str,
        app_secret: str,
        access_token: str,
        sign_name: str,
        router: str = "https://api.jd.com/routerjson",
        method: str = METHOD,
        variable_limit: int | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name, self.router, self.app_key, self.sign_name = name, router, app_key, sign_name
        self._secret, self._token, self.method = app_secret, access_token, method
        self.variable_limit, self._clock = variable_limit, clock
        self._parse = parse_response(method)
        self._connect(client, timeout)

    def __repr__(self) -> str:  # the secret and the seller's token stay out of any log
        return f"JdRelayProvider({self.name!r}, app_key={self.app_key!r})"

    def send(self, out: Outgoing) -> Accepted:
        """POST the call; JD's message id, or `Transient` / `Permanent`."""
        request = build_request(
            out, router=self.router, app_key=self.app_key, secret=self._secret,
            access_token=self._token, sign_name=self.sign_name, at=self._clock(),
            method=self.method,
        )  # fmt: skip
        return self._hand(
            out, "POST", request.url, self._parse,
            content=request.body, headers=FORM_HEADERS,
        )  # fmt: skip
