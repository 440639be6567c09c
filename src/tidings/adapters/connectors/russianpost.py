"""Russian Post (Почта России) tracking: nothing is pushed; `russianpost_pull` asks about each
open parcel and hands over every operation of its history as one delivery,
`{"asked": number, "record": <the historyRecord without its people>}`, with the store's
storage periods in its headers (so that translating it again gives the same deadline).

The one rule: an operation is its type and attribute (`OPERATIONS`, "type.attribute", else the
type's own row "type"); arriving where it is handed out starts the storage period, counted from
the next day (`storage-days`, 15 by default: the postal rules keep parcels 15 calendar days and
letters 30; a contract may say otherwise), and the post's own "N days left" wins over it.
No sender's or addressee's name ever reaches a delivery (the puller drops `UserParameters`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors.common import digest, event, json_body, moment, need, peek_json
from tidings.adapters.connectors.parcels import deadline
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "russianpost"
HEADERS: Final = ("storage-days", "locker-days")
STORAGE_DAYS: Final = 15

OPERATIONS: Final[Mapping[str, str | None]] = {
    "1": "in_transit",  # Приём: the first in_transit is the collection
    "2.1": "delivered",  # Вручение адресату
    "2.2": "returned",  # Вручение отправителю
    "2.3": "delivered",  # Выдано адресату через почтомат
    "2.4": "returned",  # Выдано отправителю через почтомат
    "2.5": "delivered",  # Адресату электронно
    "2.6": "delivered",  # Адресату почтальоном
    "2.7": "returned",  # Отправителю почтальоном
    "2.8": "delivered",  # Адресату курьером
    "2.9": "returned",  # Отправителю курьером
    "2.10": "delivered",  # Адресату с контролем ответа
    "2.11": "delivered",
    "2.12": "delivered",
    "2.13": "delivered",  # Вручение адресату по ПЭП
    "2": None,  # a handing-over abroad (attribute 0): to whom is not said
    "3": "returning",  # Возврат, whatever the reason (substatus 3.1 expired, 3.4 refused…)
    "4": "in_transit",  # Досылка почты: sent on to another address
    "4.5": "exception",  # handed to temporary storage
    "4.6": "exception",  # handed to the unclaimed
    "5": "exception",  # Невручение: lost (5.1), confiscated (5.2), mis-sent (5.3), customs (5.8)
    "6": "available_for_pickup",  # Хранение: kept where it is handed out
    "7": "exception",  # Временное хранение: undistributed, unclaimed, prohibited
    "8": None,  # an attribute of Обработка not listed here tells the shopper nothing yet
    "8.0": "in_transit",  # Сортировка
    "8.1": "in_transit",  # Покинуло место приёма
    "8.2": "available_for_pickup",  # Прибыло в место вручения
    "8.3": "in_transit",  # Прибыло в сортировочный центр
    "8.4": "in_transit",  # Покинуло сортировочный центр
    "8.5": "in_transit",
    "8.6": "in_transit",
    "8.7": "in_transit",
    "8.8": "in_transit",
    "8.9": "available_for_pickup",  # Прибыло в почтомат
    "8.10": "available_for_pickup",  # Истекает срок хранения в почтомате
    "8.11": "in_transit",  # Переадресовано в почтомат
    "8.12": None,  # Изъято из почтомата: its return follows
    "8.13": "in_transit",  # Прибыло на территорию РФ
    "8.14": "available_for_pickup",  # Прибыло в Центр выдачи посылок
    "8.15": "out_for_delivery",  # Передано курьеру
    "8.17": "in_transit",
    "8.18": "out_for_delivery",  # Передано почтальону
    "8.19": "available_for_pickup",  # Передача в кладовую хранения: still kept
    "8.20": "in_transit",  # Покинуло место возврата/досылки
    "8.21": "in_transit",  # Уточнение адреса
    "8.22": "in_transit",  # Ожидает курьерской доставки
    "8.23": "available_for_pickup",  # Продление срока хранения
    "8.24": "available_for_pickup",  # Направлено извещение
    "8.25": "available_for_pickup",  # Доставлено извещение
    "8.27": "available_for_pickup",  # Истекает срок хранения (осталось 25 дней)
    "8.28": "available_for_pickup",  # … (осталось 5 дней)
    "8.29": "exception",  # Находится на техническом исследовании
    "8.33": "available_for_pickup",  # … (осталось 23 дня)
    "8.35": "available_for_pickup",  # … (осталось 10 дней)
    "8.39": "available_for_pickup",  # Сдано в ПВЗ
    "8.40": None,  # Истек срок хранения: its return (3.1) follows
    "8.42": "available_for_pickup",  # … (остался 1 день)
    "8.43": "available_for_pickup",  # … (осталось 2 дня)
    "8.47": "exception",  # Приостановлена обработка по 115-ФЗ
    "8.49": "in_transit",  # Направлено в пункт выдачи
    "9": "in_transit",  # Импорт международной почты
    "10": "in_transit",  # Экспорт международной почты
    "11": "in_transit",  # Приём на таможню
    "12": "failed_attempt",  # Неудачная попытка вручения, whatever the reason
    "14": "in_transit",  # Таможенное оформление
    "14.2": "exception",  # Возвращено таможней
    "14.4": "exception",  # Отказ в выпуске
    "15": "exception",  # Передача на временное хранение
    "16": "exception",  # Уничтожение
    "18": "exception",  # Регистрация утраты
    "21": "delivered",  # Доставка (into the mailbox, or by hand)
    "22": "failed_attempt",  # Недоставка
    "26": None,  # Отмена: an operation taken back, no news of the parcel
    "27": "info_received",  # Получена электронная регистрация
    "28": "info_received",  # Присвоение идентификатора
}

# The post's own count of the days left, where an operation says it.
DAYS_LEFT: Final[Mapping[str, int]] = {
    "8.27": 25, "8.28": 5, "8.33": 23, "8.35": 10, "8.42": 1, "8.43": 2,
}  # fmt: skip
STARTS_STORAGE: Final = frozenset({"8.2", "8.14", "8.39"})  # a post office or pickup point
LOCKER: Final = frozenset({"8.9"})  # a parcel locker keeps it for `locker-days`, when set


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return False  # Russian Post pushes nothing: whatever is posted to its hook is refused


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    """The number, the operation's time, type and attribute; a refusal, by its words."""
    found = peek_json(body)
    if "fault" in found:
        return f"{found.get('asked')}:fault:{digest(str(found['fault']).encode())[:16]}"[:128]
    record = found.get("record")
    op = _operation(record) if isinstance(record, dict) else {}
    code = f"{_id(op.get('OperType'))}.{_id(op.get('OperAttr'))}"
    return f"{found.get('asked')}:{op.get('OperDate')}:{code}"[:128]


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return "fault" if "fault" in peek_json(body) else "operation"


def answer(outcome: str) -> tuple[int, dict[str, Any]]:
    return 200, {"status": outcome}


def translate(delivery: Delivery) -> Translation:
    body = json_body(delivery)
    number = str(need(body, "asked", "delivery"))
    if "fault" in body:
        raise Untranslatable(f"Russian Post does not know {number}: {str(body['fault'])[:200]}")
    record = body.get("record")
    if not isinstance(record, dict):
        raise Untranslatable("record is missing")
    op = _operation(record)
    kind, attr = _id(op.get("OperType")), _id(op.get("OperAttr"))
    if not kind:
        raise Untranslatable("record.OperationParameters.OperType.Id is missing")
    code = f"{kind}.{attr}"
    status = OPERATIONS[code] if code in OPERATIONS else OPERATIONS.get(kind)
    if status is None:
        return Translation([], why=f"operation {code} ({_named(op)}) tells the shopper nothing")
    at = moment(op.get("OperDate"), delivery, "record.OperationParameters.OperDate")
    place = _place(record)
    data = {
        "shipment_id": f"russianpost-{number}",
        "carrier": NAME,
        "tracking_number": number,
        "status": status,
        "substatus": code,
        "location": place,
        "message": _named(op) or None,
        "pickup": _pickup(delivery, code, at, place, record),
    }
    ident = f"russianpost:{number}:{at.isoformat()}:{code}"
    return Translation([event(ident, "shipment.checkpoint", delivery, at, **data)])


def _pickup(
    delivery: Delivery, code: str, at: datetime, place: str | None, record: dict[str, Any]
) -> dict[str, str] | None:
    """Where and until when the parcel waits, when this operation starts or counts down its
    storage; otherwise None, so that a later notice keeps what an earlier one set."""
    if code in LOCKER:
        days = _days(delivery, "locker-days", 0) or None
    elif code in STARTS_STORAGE:
        days = _days(delivery, "storage-days", STORAGE_DAYS)
    elif code in DAYS_LEFT:
        days = DAYS_LEFT[code]
    else:
        return None
    index = _text(_dig(record, "AddressParameters", "OperationAddress", "Index"))
    until = deadline(at, days).isoformat() if days else None
    pickup = {"point": place or "Почта России", "address": index, "storage_until": until}
    return {k: v for k, v in pickup.items() if v}


def _days(delivery: Delivery, header: str, default: int) -> int:
    raw = delivery.headers.get(header, "")
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= 365:
        raise Untranslatable(f"{header}: expected the days a parcel is kept, got {raw[:20]!r}")
    return int(raw)


def _operation(record: dict[str, Any]) -> dict[str, Any]:
    op = record.get("OperationParameters")
    return op if isinstance(op, dict) else {}


def _place(record: dict[str, Any]) -> str | None:
    return _text(_dig(record, "AddressParameters", "OperationAddress", "Description"))


def _named(op: dict[str, Any]) -> str:
    names = [_text(_dig(op, key, "Name")) for key in ("OperType", "OperAttr")]
    return ": ".join(n for n in names if n)


def _id(part: Any) -> str:
    found = part.get("Id") if isinstance(part, dict) else None
    text = str(found).strip() if found is not None else ""
    return text if text.isdigit() else ""


def _dig(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
