"""The Taobao/Tmall SMS relay: `taobao.jst.sms.oaid.message.send` through the TOP router.

Taobao never gives a seller's app the buyer's phone: the platform sends the SMS itself to the
buyer of an order, named by the order and the encrypted receiver id (`oaid`), with a template
and a signature it approved. Sending is three steps, only the middle one touches the network:

    build_request(out, at)  ─►  POST {router} (form, UTF-8)  ─►  parse_response
      (pure, TOP-signed:          (httpx)                         (pure)
       adapters/platform_router)

    jst_sms_oaid_message_send_response      Accepted(refs=(module or request_id,))
    error_response code 7, sub_code isp.*   Transient (ERRORS below; HTTP 5xx, timeouts too)
    any other error_response                Permanent, the platform's code and message kept

The recipient is the contract's relay handle as tidings writes it (`taobao:<order>:<oaid>`,
domain/relay.py), never a phone. The business parameters go as one JSON object,
`param_send_message_by_o_a_i_d_request` (order_id, oaid, sms_free_sign_name, template_code,
params as JSON text, and `extend` = tidings' message id, to match the platform's records).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from tidings.adapters.http_exchange import HttpSender, answer_object, preview
from tidings.adapters.platform_router import (
    FORM_HEADERS,
    Call,
    RouterError,
    top_form,
    top_key,
    top_refusal,
)
from tidings.adapters.platform_signing import Method
from tidings.adapters.redact import scrub
from tidings.domain import relay
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, ProviderError, Transient

METHOD = "taobao.jst.sms.oaid.message.send"
ANSWER_KEY = top_key(METHOD)  # jst_sms_oaid_message_send_response
BUSINESS = "param_send_message_by_o_a_i_d_request"

# The router's refusals worth trying again later, by `code` or by `sub_code`; any other is
# permanent (a template not approved, a bad session, an oaid the platform does not know).
ERRORS: dict[str, type[ProviderError]] = {
    "7": Transient,  # App Call Limited: the app's calls per second or per day
    "accesscontrol.limited-by-app-access-count": Transient,
    "accesscontrol.limited-by-api-access-count": Transient,
    "isp.": Transient,  # any sub_code of the platform's own failure (isp.*)
}


def business_of(out: Outgoing, sign_name: str) -> dict[str, str]:
    """The relay's business object. Raises Permanent for a message without an approved
    template, or one whose recipient is no Taobao relay handle."""
    order_id, oaid, template = relay.relayed(out, "taobao", "oaid")
    return {
        "order_id": order_id,
        "oaid": oaid,
        "sms_free_sign_name": sign_name,
        "template_code": template.code,
        "params": json.dumps(dict(template.params), ensure_ascii=False),
        "extend": out.message_id,
    }


def build_request(
    out: Outgoing, *, router: str, app_key: str, secret: str, session: str, sign_name: str,
    at: datetime, sign_method: Method = "md5",
) -> Call:  # fmt: skip
    """The signed call that hands `out` to the relay as its approved template."""
    business = json.dumps(business_of(out, sign_name), ensure_ascii=False, separators=(",", ":"))
    form = top_form(METHOD, {BUSINESS: business}, app_key=app_key, secret=secret, at=at,
                    session=session, sign_method=sign_method)  # fmt: skip
    return Call.of(router, form)


def parse_response(status: int, body: bytes) -> Accepted | ProviderError:
    """What the router answered: the send's reference, or why not."""
    data = answer_object(body)
    if data is None:
        text = f"HTTP {status}: {preview(body)}"
        return Transient(text) if status >= 500 or status == 429 else Permanent(text)
    answer = data.get(ANSWER_KEY)
    if isinstance(answer, dict):
        ref = str(answer.get("module") or answer.get("request_id") or "")
        return Accepted(refs=(ref,)) if ref else Transient("answered without a reference")
    error = top_refusal(data)
    if error is None:
        return (Transient if status >= 500 else Permanent)(f"HTTP {status}: {preview(body)}")
    return _refusal(status, error)


def _refusal(status: int, error: RouterError) -> ProviderError:
    code, sub = error.code, error.sub_code
    text = f"{sub or code}: {error.sub_words or error.words}".strip(": ")
    kind = (
        ERRORS.get(sub) or ERRORS.get(code) or (ERRORS["isp."] if sub.startswith("isp.") else None)
    )
    return (kind or (Transient if status >= 500 else Permanent))(scrub(text))


class TaobaoRelayProvider(HttpSender):
    """A `Provider` that has Taobao/Tmall relay a store's SMS to its buyers."""

    def __init__(
        self,
        name: str,
        *,
        app_key: str,
        app_secret: str,
        session: str,
        sign_name: str,
        router: str = "https://eco.taobao.com/router/rest",
        sign_method: Method = "md5",
        variable_limit: int | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name, self.router, self.app_key, self.sign_name = name, router, app_key, sign_name
        self._secret, self._session, self.sign_method = app_secret, session, sign_method
        self.variable_limit, self._clock = variable_limit, clock
        self._connect(client, timeout)

    def __repr__(self) -> str:  # the secret and the seller's session stay out of any log
        return f"TaobaoRelayProvider({self.name!r}, app_key={self.app_key!r})"

    def send(self, out: Outgoing) -> Accepted:
        """POST the call; the platform's reference, or `Transient` / `Permanent`."""
        request = build_request(
            out, router=self.router, app_key=self.app_key, secret=self._secret,
            session=self._session, sign_name=self.sign_name, at=self._clock(),
            sign_method=self.sign_method,
        )  # fmt: skip
        return self._hand(
            out, "POST", request.url, parse_response,
            content=request.body, headers=FORM_HEADERS,
        )  # fmt: skip
