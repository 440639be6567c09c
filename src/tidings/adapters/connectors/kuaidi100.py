"""kuaidi100 (快递100) subscription pushes: a form with `param` (the tracking as JSON text)
and `sign` = upper-case hex MD5 of `param` and the salt given when subscribing. kuaidi100
wants `{"result":true,"returnCode":"200","message":"成功"}` back, else it pushes again.

The one rule: the state is a number (`STATES`; the newest line's `statusCode` where the
subscription asked for the finer ones); `lastResult.data` is newest first, and its times have
no offset: they are read in the store's zone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qs

from tidings.adapters.connectors.common import digest, event, moment, need, same
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "kuaidi100"
HEADERS: Final = ("content-type",)

STATES: Final[Mapping[str, str]] = {
    "0": "in_transit",  # 在途
    "1": "in_transit",  # 揽收: collected, the first in_transit
    "2": "exception",  # 疑难
    "3": "delivered",  # 签收
    "4": "returned",  # 退签: signed for by the sender
    "5": "out_for_delivery",  # 派件
    "6": "returning",  # 退回
    "7": "in_transit",  # 转投: handed to another carrier
    "8": "in_transit",  # 清关
    "10": "in_transit",  # 待清关
    "11": "in_transit",  # 清关中
    "12": "in_transit",  # 已清关
    "13": "exception",  # 清关异常
    "14": "returning",  # 拒签: refused by the recipient, it goes back (COD refused)
    "101": "info_received",  # 已下单
    "102": "info_received",  # 待揽收
    "103": "in_transit",  # 已揽收
    "1001": "in_transit",  # 到达派件城市
    "1002": "in_transit",  # 干线
    "1003": "in_transit",  # 转递
    "501": "available_for_pickup",  # 投柜或驿站: waiting in a locker or a pickup station
    "301": "delivered",  # 本人签收
    "302": "delivered",  # 派件异常后签收
    "303": "delivered",  # 代签
    "304": "delivered",  # 投柜或站签收: collected from the locker or station
    "201": "exception",  # 超时未签收
    "202": "exception",  # 超时未更新
    "203": "returning",  # 拒收
    "204": "failed_attempt",  # 派件异常
    "205": "exception",  # 柜或驿站超时未取
    "206": "failed_attempt",  # 无法联系
    "207": "exception",  # 超区
    "208": "exception",  # 滞留
    "209": "exception",  # 破损
    "401": "returned",  # 已销单
}
ANSWER: Final = {"result": True, "returnCode": "200", "message": "成功"}


def _form(body: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in fields.items()}


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    form = _form(body)
    signed = (form.get("param", "") + secret).encode()
    expected = hashlib.md5(signed, usedforsecurity=False).hexdigest().upper()  # its own scheme
    return "param" in form and same(expected, form.get("sign", "").upper())


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    return digest(_form(body).get("param", "").encode() or body)


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return "push"


def answer(outcome: str) -> tuple[int, dict[str, Any]]:
    return 200, dict(ANSWER)  # a refused push is kept here: pushing it again helps nobody


def translate(delivery: Delivery) -> Translation:
    try:
        param = json.loads(_form(delivery.body).get("param", ""))
    except ValueError:
        raise Untranslatable("param is not JSON") from None
    result = param.get("lastResult") if isinstance(param, dict) else None
    if not isinstance(result, dict):
        raise Untranslatable("param.lastResult is missing")
    number, carrier = str(need(result, "nu", "lastResult")), str(need(result, "com", "lastResult"))
    newest = next(iter(result.get("data") or []), None)
    if not isinstance(newest, dict):
        return Translation([], why="no tracking line yet")
    code = str(newest.get("statusCode") or result.get("state") or "")
    status = STATES.get(code)
    if status is None:
        return Translation([], why=f"state {code!r} is not one tidings knows")
    at = moment(newest.get("ftime") or newest.get("time"), delivery, "lastResult.data.0.ftime")
    data = {
        "shipment_id": f"kuaidi100-{carrier}-{number}",
        "carrier": carrier,
        "tracking_number": number,
        "status": status,
        "substatus": code,
        "location": newest.get("areaName") or None,
        "message": newest.get("context") or None,
    }
    ident = f"kuaidi100:{carrier}:{number}:{at.isoformat()}:{code}"
    return Translation([event(ident, "shipment.checkpoint", delivery, at, **data)])
