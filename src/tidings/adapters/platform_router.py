"""A call through the Chinese marketplaces' routers, whatever its method: Taobao/Tmall's TOP and
JD's JOS each take a form POSTed to one gateway, the router's own parameters beside the
method's, signed (adapters/platform_signing); and answer JSON, the method's object under a name
made from the method's, or an `error_response` (read with http_exchange.answer_object).

    top_form / jos_form (pure: the form to POST; `Call.of` it with the gateway's URL)
    top_refusal / jos_refusal (pure: the router's `error_response` in its own words, or None)

The connectors (connectors/top.py, connectors/jd_pull.py) and the relays (providers/
taobao_relay.py, providers/jd_relay.py) call through here, and stay independent of each other.
The one rule: `timestamp` is the time given, in GMT+8; the routers refuse one ten minutes off
their own clock, so callers give the wall clock's, never a replay's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tidings.adapters.platform_signing import Method, router_timestamp, sign

FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded;charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Call:
    """One signed call, ready to go out: the form, URL-encoded, for the gateway."""

    url: str
    body: bytes = field(repr=False)  # may hold a buyer's encrypted id and a message's values

    @classmethod
    def of(cls, url: str, form: Mapping[str, str]) -> Call:
        return cls(url, urlencode(form).encode())


@dataclass(frozen=True, slots=True)
class RouterError:
    """A router's refusal: its code and words; TOP adds a sub-code and its words."""

    code: str
    words: str
    sub_code: str = ""
    sub_words: str = ""


def top_form(method: str, params: Mapping[str, str], *, app_key: str, secret: str,
             at: datetime, session: str | None = None,
             sign_method: Method = "md5") -> dict[str, str]:  # fmt: skip
    """TOP's form: the method's parameters (blank ones left out), the router's, the signature.
    `session` is the seller's, for what reads a store's data or sends in its name."""
    form = {name: value for name, value in params.items() if value != ""}
    form |= {"method": method, "app_key": app_key, "timestamp": router_timestamp(at),
             "format": "json", "v": "2.0", "sign_method": sign_method}  # fmt: skip
    if session is not None:
        form["session"] = session
    form["sign"] = sign(secret, form, sign_method)
    return form


def jos_form(method: str, business: Mapping[str, Any], *, app_key: str, access_token: str,
             secret: str, at: datetime) -> dict[str, str]:  # fmt: skip
    """JOS's form: the router's parameters, the method's as JSON in `360buy_param_json`, the
    MD5 signature."""
    form = {"method": method, "app_key": app_key, "access_token": access_token,
            "timestamp": router_timestamp(at), "v": "2.0",
            "360buy_param_json": json.dumps(business, ensure_ascii=False,
                                            separators=(",", ":"))}  # fmt: skip
    form["sign"] = sign(secret, form, "md5")
    return form


def top_key(method: str) -> str:
    """Where TOP puts a method's answer: `taobao.refund.get` → `refund_get_response`."""
    return method.removeprefix("taobao.").replace(".", "_") + "_response"


def jos_key(method: str) -> str:
    """Where JOS puts a method's answer, in its own spelling (`…_responce`)."""
    return method.replace(".", "_") + "_responce"


def top_refusal(answer: Mapping[str, Any]) -> RouterError | None:
    """TOP's `error_response` (code, msg, sub_code, sub_msg), or None."""
    error = answer.get("error_response")
    if not isinstance(error, dict):
        return None
    return RouterError(_text(error.get("code")), _text(error.get("msg")),
                       _text(error.get("sub_code")), _text(error.get("sub_msg")))  # fmt: skip


def jos_refusal(answer: Mapping[str, Any], language: str = "en") -> RouterError | None:
    """JOS's `error_response` (code, en_desc, zh_desc), its words in `language` where given."""
    error = answer.get("error_response")
    if not isinstance(error, dict):
        return None
    first, other = ("en_desc", "zh_desc") if language == "en" else ("zh_desc", "en_desc")
    return RouterError(_text(error.get("code")), _text(error.get(first) or error.get(other)))


def _text(value: Any) -> str:
    return "" if value is None else str(value)
