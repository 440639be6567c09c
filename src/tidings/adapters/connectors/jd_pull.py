"""Asking JD's JOS router for a store's changed orders and new reviews (services/pulling.py
runs it; jd.py reads what it brings).

    build_request (pure: the router's parameters, signed: adapters/platform_router) → `_ask`:
    the one POST → `answer` (pure: the method's result, or PlatformError in JOS's words) →
    each item a delivery

Orders come by modification time (`jingdong.pop.order.enSearch`, dateType modified, oldest
first): the cursor is the modification time reached, and the next page starts AT that second
again (an order modified twice in one second is not missed; the second look is a duplicate,
its delivery id being the order id and its `modified`). A page full of one second turns the
page instead. Reviews (`jingdong.pop.PopCommentJsfService.getVenderCommentsForJos`) are paged
through a fixed window of creation times, then the window moves on. Each window is at most a
month (JOS's limit), and the last two minutes are always asked again.

The one rule: a receiver's name, phone, address and email never leave this module: they are
not asked for where JOS lets us choose, and stripped where it sends them anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx

from tidings.adapters.connectors.jd import BEIJING, ORDER_STATES, PHONE_LIKE
from tidings.adapters.http_exchange import answer_object
from tidings.adapters.platform_router import jos_form, jos_key, jos_refusal
from tidings.domain.connectors import Credentials, Pulled
from tidings.domain.errors import PlatformError

EVERY: Final = timedelta(minutes=5)
URL: Final = "https://api.jd.com/routerjson"
ORDERS: Final = "jingdong.pop.order.enSearch"
COMMENTS: Final = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
ORDER_PAGE: Final = 100  # JOS's most
COMMENT_PAGE: Final = 50  # JOS's most
WINDOW: Final = timedelta(days=30)  # JOS: start and end at most a month apart
OVERLAP: Final = timedelta(minutes=2)  # asked again each time: JOS may index a change late
HISTORY_DAYS: Final = 30  # a new connector's first look back (setting `history_days`)
FIELDS: Final = ("orderId,venderId,orderType,payType,orderTotalPrice,orderPayment,orderState,"
                 "orderStateRemark,orderStartTime,orderEndTime,modified,paymentConfirmTime,"
                 "waybill,logisticsId,itemInfoList,consigneeInfo,open_id_buyer,pin")  # fmt: skip
RATE_LIMITS: Final[Mapping[str, float]] = {
    "2": 300.0,  # App Call Limited: JOS names no wait; five minutes, then the worker tries
}
PRIVATE: Final = ("name", "phone", "mobile", "tel", "address", "email", "desen")
KEPT_CONSIGNEE: Final = ("oaid", "province", "city", "county")
_FORMAT = "%Y-%m-%d %H:%M:%S"


def pull(http: Any, credentials: Credentials, cursor: str | None, now: datetime) -> Pulled:
    """A page of changed orders and a page of reviews, kept by services/pulling.py."""
    state = _state(cursor, credentials, now)
    orders, orders_more = _orders(http, credentials, state["orders"], now)
    comments, comments_more = _comments(http, credentials, state["comments"], now)
    deliveries = [(_body(o), _order_headers(o, credentials)) for o in orders]
    deliveries += [(_body(c), {"x-jd-kind": "comment"}) for c in comments]
    return Pulled(deliveries, json.dumps(state, sort_keys=True), more=orders_more or comments_more)


def confirm(http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None:
    """JOS keeps nothing to confirm: the cursor alone says where tidings is."""


def build_request(credentials: Credentials, method: str, params: Mapping[str, Any],
                  sent: datetime) -> httpx.Request:  # fmt: skip
    """The router's call: system parameters and the method's JSON, MD5-signed; `sent` is the
    wall clock's (JOS refuses a timestamp ten minutes off its own), never a replay's."""
    settings = credentials.settings
    for needed in ("app_key", "access_token"):
        if not settings.get(needed):
            raise PlatformError(f"the jd connector has no {needed} setting")
    form = jos_form(method, params, app_key=settings["app_key"], secret=credentials.secret,
                    access_token=settings["access_token"], at=sent)  # fmt: skip
    return httpx.Request("POST", settings.get("url") or URL, data=form)


def answer(response: httpx.Response, method: str) -> dict[str, Any]:
    """The method's result from JOS's answer; its refusals as PlatformError (a rate limit
    with the wait)."""
    if response.status_code != 200:
        raise PlatformError(f"JOS answered {response.status_code} to {method}")
    found = answer_object(response.content)
    if found is None:
        raise PlatformError(f"JOS's answer to {method} is not a JSON object")
    refused = jos_refusal(found)
    if refused is not None:
        raise PlatformError(f"JOS refused {method}: code {refused.code}: {refused.words[:200]}",
                            retry_after=RATE_LIMITS.get(refused.code, 0.0))  # fmt: skip
    result = found.get(jos_key(method))
    if not isinstance(result, dict):
        raise PlatformError(f"JOS's answer to {method} has no result")
    return result


def _ask(http: Any, credentials: Credentials, method: str, params: dict[str, Any]
         ) -> dict[str, Any]:  # fmt: skip
    try:
        response = http.send(build_request(credentials, method, params, datetime.now(UTC)))
    except httpx.HTTPError as exc:
        raise PlatformError(f"JOS could not be reached: {type(exc).__name__}") from None
    return answer(response, method)


def _orders(http: Any, credentials: Credentials, side: dict[str, Any], now: datetime
            ) -> tuple[list[Any], bool]:  # fmt: skip
    since = _time(side["since"])
    until = min(now, since + WINDOW)
    params = {"start_date": _text(since), "end_date": _text(until),
              "order_state": ",".join(ORDER_STATES), "optional_fields": FIELDS,
              "page": str(side["page"]), "page_size": str(ORDER_PAGE), "dateType": 0,
              "sortType": 0}  # fmt: skip
    result = _ask(http, credentials, ORDERS, params).get("searchorderinfo_result")
    if not isinstance(result, dict):
        raise PlatformError(f"JOS's answer to {ORDERS} has no searchorderinfo_result")
    checked = result.get("apiResult")
    if isinstance(checked, dict) and checked.get("success") is False:
        words = checked.get("englishErrCode") or checked.get("chineseErrCode") or ""
        raise PlatformError(f"JOS refused {ORDERS}: {str(words)[:200]}")
    orders = result.get("orderInfoList") or []
    if not isinstance(orders, list):
        raise PlatformError(f"JOS's {ORDERS} gave no list of orders")
    stamps = [_time(o["modified"]) for o in orders if isinstance(o, dict) and _stamped(o)]
    full = len(orders) >= ORDER_PAGE
    if full and stamps and max(stamps) > since:
        side.update(since=_text(max(stamps)), page=1)
    elif full:
        side["page"] += 1  # a page full of one second: the next page of it
    else:
        side.update(since=_text(max([*stamps, until - OVERLAP, since])), page=1)
    return orders, full or until < now


def _comments(http: Any, credentials: Credentials, side: dict[str, Any], now: datetime
              ) -> tuple[list[Any], bool]:  # fmt: skip
    since = _time(side["since"])
    until = _time(side["until"]) if side.get("until") else min(now, since + WINDOW)
    params = {"beginTime": _text(since), "endTime": _text(until), "page": side["page"],
              "pageSize": COMMENT_PAGE}  # fmt: skip
    result = _ask(http, credentials, COMMENTS, params)
    comments = result.get("comments") or []
    if not isinstance(comments, list):
        raise PlatformError(f"JOS's {COMMENTS} gave no list of comments")
    total = result.get("totalItem")
    more = len(comments) >= COMMENT_PAGE and (not isinstance(total, int)
                                              or side["page"] * COMMENT_PAGE < total)  # fmt: skip
    if more:
        side.update(until=_text(until), page=side["page"] + 1)
    else:
        side.update(since=_text(max(since, until - OVERLAP)), until=None, page=1)
    return comments, more or until < now


def _state(cursor: str | None, credentials: Credentials, now: datetime) -> dict[str, Any]:
    if cursor:
        try:
            found = json.loads(cursor)
            if isinstance(found, dict) and {"orders", "comments"} <= set(found):
                return found
        except ValueError:
            pass
    days = credentials.settings.get("history_days") or str(HISTORY_DAYS)
    if not days.isdigit():
        raise PlatformError(f"history_days: expected a number of days, got {days[:20]!r}")
    start = _text(now - timedelta(days=min(int(days), 30)))
    return {"orders": {"since": start, "page": 1},
            "comments": {"since": start, "until": None, "page": 1}}  # fmt: skip


def _order_headers(order: Any, credentials: Credentials) -> dict[str, str]:
    headers = {"x-jd-kind": "order"}
    found = isinstance(order, dict) and str(order.get("logisticsId") or "")
    carrier = carriers(credentials.settings.get("carriers", "")).get(found or "")
    if carrier:
        headers["x-jd-carrier"] = carrier
    return headers


def carriers(setting: str) -> dict[str, str]:
    """The store's carriers by JD's logistics id: "467=SF,2087=JD" (JOS gives only the id)."""
    pairs = (item.partition("=") for item in setting.split(",") if "=" in item)
    return {key.strip(): name.strip() for key, _, name in pairs if key.strip() and name.strip()}


def _body(item: Any) -> bytes:
    return json.dumps(stripped(item), ensure_ascii=False).encode()


def stripped(item: Any) -> Any:
    """`item` without a receiver's name, phone, address or email, at any depth (the
    consignee keeps only its encrypted id and region)."""
    if isinstance(item, list):
        return [stripped(i) for i in item]
    if not isinstance(item, dict):
        return item
    kept = {}
    for key, value in item.items():
        plain = str(key).lower()
        if plain in ("consigneeinfo", "originalconsigneeinfo") and isinstance(value, dict):
            kept[key] = {k: value[k] for k in KEPT_CONSIGNEE if k in value}
        elif plain in ("pin", "realpin") and PHONE_LIKE.match(str(value)):
            continue  # a pin may be the buyer's phone number
        elif plain in ("skuname", "warename") or not any(p in plain for p in PRIVATE):
            kept[key] = stripped(value)
    return kept


def _stamped(order: dict[str, Any]) -> bool:
    try:
        _time(order.get("modified"))
    except (TypeError, ValueError):
        return False
    return True


def _time(value: Any) -> datetime:
    return datetime.strptime(str(value), _FORMAT).replace(tzinfo=BEIJING)


def _text(at: datetime) -> str:
    return at.astimezone(BEIJING).strftime(_FORMAT)
