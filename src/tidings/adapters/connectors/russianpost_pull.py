"""Asking Russian Post about a store's open parcels: single access (`getOperationHistory`, SOAP
1.2, at tracking.russianpost.ru/rtm34), which any store gets with a login from
tracking.pochta.ru — 100 requests a day without a contract, one number each. (Batch access,
3000 numbers a ticket, is only for clients with a contract, and answers 15 minutes later.)

    build_request (pure) → one POST a number → parse_history (pure) → parcels.poll

The one rule: at most `daily_limit` numbers a Moscow day (100 unless the store's contract
allows more), `per_pull` a pull, each at most once in `recheck_hours`; a refusal over the
limit waits until the next Moscow day. A number's history is given whole each time (its
operations' ids make the known ones duplicates); the people in it (`UserParameters`: sender,
addressee) and anything named like a phone are dropped before it is kept. The connector's
secret is the API password, `login` its login; neither is ever logged.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from tidings.adapters.connectors.parcels import Item, Pace, poll, whole_setting
from tidings.adapters.connectors.russianpost import STORAGE_DAYS
from tidings.domain.connectors import Credentials, Pulled
from tidings.domain.errors import PlatformError

EVERY: Final = timedelta(minutes=15)
CARRIER: Final = "russianpost"
URL: Final = "https://tracking.russianpost.ru/rtm34"
PACE: Final = Pace(per_pull=4, recheck=timedelta(hours=6), daily=100, day_zone="Europe/Moscow")
SOAP_12: Final = 'application/soap+xml; charset=utf-8; action="getOperationHistory"'
KEPT: Final = ("AddressParameters", "FinanceParameters", "ItemParameters", "OperationParameters")
_PERSONAL = re.compile(r"phone|mobile|rcpn|sndr", re.IGNORECASE)
_OVER_LIMIT = re.compile(r"лимит|limit|превыш", re.IGNORECASE)
_ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" \
xmlns:oper="http://russianpost.org/operationhistory" \
xmlns:data="http://russianpost.org/operationhistory/data" \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header/>
<soap:Body>
<oper:getOperationHistory>
<data:OperationHistoryRequest>
<data:Barcode>{number}</data:Barcode>
<data:MessageType>0</data:MessageType>
<data:Language>RUS</data:Language>
</data:OperationHistoryRequest>
<data:AuthorizationHeader soapenv:mustUnderstand="1">
<data:login>{login}</data:login>
<data:password>{password}</data:password>
</data:AuthorizationHeader>
</oper:getOperationHistory>
</soap:Body>
</soap:Envelope>"""


class Refused(Exception):
    """A SOAP fault: `kind` is the detail's element (AuthorizationFault, OperationHistoryFault,
    LanguageFault), `text` its words."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(f"{kind}: {text}")
        self.kind, self.text = kind, text


def build_request(login: str, password: str, number: str) -> bytes:
    values = {k: escape(v) for k, v in (("login", login), ("password", password),
                                        ("number", number))}  # fmt: skip
    return _ENVELOPE.format(**values).encode()


def parse_history(content: bytes) -> list[dict[str, Any]]:
    """The operations of one answer, oldest first, without the people; raises Refused for a
    fault and PlatformError for what is no SOAP answer."""
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise PlatformError("Russian Post answered with a document type: not read")
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        raise PlatformError("Russian Post answered with what is not XML") from None
    fault = next((e for e in root.iter() if _local(e.tag) == "Fault"), None)
    if fault is not None:
        raise Refused(*_fault(fault))
    found = [e for e in root.iter() if _local(e.tag) == "historyRecord"]
    return [{_local(c.tag): _plain(c) for c in r if _local(c.tag) in KEPT} for r in found]


def pull(
    http: Any,
    credentials: Credentials,
    cursor: str | None,
    now: datetime,
    wanted: tuple[str, ...] = (),
) -> Pulled:
    """The histories of the open parcels due now, one delivery an operation."""
    settings = credentials.settings
    login = settings.get("login", "").strip()
    if not login:
        raise PlatformError("setting login is missing: the API login from tracking.pochta.ru")
    headers = {"storage-days": str(whole_setting(settings, "storage_days", STORAGE_DAYS))}
    if "locker_days" in settings:
        headers["locker-days"] = str(whole_setting(settings, "locker_days", 0))

    def ask(number: str) -> list[Item]:
        return _ask(http, settings.get("url") or URL, login, credentials.secret, number, headers,
                    now)  # fmt: skip

    return poll(ask, cursor, now, wanted, PACE.of(settings))


def confirm(http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None:
    """Nothing to confirm: Russian Post gives a history, not a queue."""


def _ask(http: Any, url: str, login: str, password: str, number: str,
         headers: dict[str, str], now: datetime) -> list[Item]:  # fmt: skip
    request = build_request(login, password, number)
    answer = http.post(url, content=request, headers={"Content-Type": SOAP_12})
    if answer.status_code in (429, 503):
        wait = answer.headers.get("Retry-After", "")
        raise PlatformError(f"Russian Post answered {answer.status_code}: asked to wait",
                            retry_after=float(wait) if wait.isdigit() else 3600.0)  # fmt: skip
    try:
        records = parse_history(answer.content)
    except Refused as refused:
        return _refused(refused, number, headers, now)
    except PlatformError:
        if answer.status_code != 200:
            raise PlatformError(f"Russian Post answered {answer.status_code}") from None
        raise
    return [(_body({"asked": number, "record": r}), dict(headers)) for r in records]


def _refused(refused: Refused, number: str, headers: dict[str, str], now: datetime
             ) -> list[Item]:  # fmt: skip
    """A fault about the login or the quota stops the pull; one about the number is kept, with
    its words, as a delivery that does not translate."""
    if refused.kind == "AuthorizationFault":
        raise PlatformError(f"Russian Post refused the login: {refused.text}")
    if _OVER_LIMIT.search(refused.text):
        raise PlatformError(f"Russian Post: over the day's limit: {refused.text}",
                            retry_after=_till_moscow_midnight(now))  # fmt: skip
    return [(_body({"asked": number, "fault": refused.text}), dict(headers))]


def _fault(fault: ET.Element) -> tuple[str, str]:
    """The kind of a fault (its detail's element) and its words: the detail's own, else the
    reason's."""
    detail = [e for e in fault.iter() if _local(e.tag).endswith("Fault") and e is not fault]
    reason = [e for e in fault.iter() if _local(e.tag) == "Text"]
    for element in (*detail, *reason):
        words = " ".join(t.strip() for t in element.itertext() if t.strip())
        if words:
            return (_local(detail[0].tag) if detail else "Fault"), words[:300]
    return (_local(detail[0].tag) if detail else "Fault"), "no reason given"


def _till_moscow_midnight(now: datetime) -> float:
    local = now.astimezone(ZoneInfo("Europe/Moscow"))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    return (midnight - local).total_seconds()


def _body(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()


def _plain(element: ET.Element) -> Any:
    """An element as text (a leaf) or a dict of its children, without personal ones."""
    children = [c for c in element if not _PERSONAL.search(_local(c.tag))]
    if not len(element):
        return (element.text or "").strip()
    return {_local(c.tag): _plain(c) for c in children}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
