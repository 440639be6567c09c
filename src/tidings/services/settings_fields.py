"""The settings form's typed fields read one by one: each bad one is a `Problem` named by its
field, so that a form with several mistakes names them all and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tidings.domain.state import Store
from tidings.services.phones import to_e164
from tidings.services.settings import CAPS

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MOST_HOLDOUT = Decimal(50)  # percent (journeys.md: up to 50 %)


@dataclass(frozen=True)
class Problem:
    """A bad field of the form: `problem` names what is wrong, `detail` is the checker's own
    words where it has some (a template's syntax error)."""

    field: str
    problem: str
    detail: str = ""


def budget(typed: str, problems: list[Problem]) -> str | None:
    text = typed.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    amount = decimal(text)
    if amount is None or not amount.is_finite():
        problems.append(Problem("monthly_sms_budget", "not_a_number"))
    elif amount < 0:
        problems.append(Problem("monthly_sms_budget", "negative"))
    else:
        return str(amount)
    return None


def caps(store: Store, typed: Mapping[str, str], problems: list[Problem]) -> dict[str, int]:
    """The caps the store gives: each typed one that is not the contract's own (or that the
    store gave already); an empty one is the contract's."""
    out = dict(store.caps)
    for name, (least, most, default) in CAPS.items():
        text = typed.get(name, "").strip()
        if not text:
            out.pop(name, None)
        elif not re.fullmatch(r"\d{1,3}", text) or not least <= int(text) <= most:
            problems.append(Problem(name, "bad_cap"))
        else:
            put(out, name, int(text), default)
    return out


def decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?", text) else None
    except InvalidOperation:
        return None


def contacts(
    typed: tuple[tuple[str, str], ...], region: str, problems: list[Problem]
) -> list[dict[str, str]]:
    """The contacts filled in; a row with a phone that is no number, or an email that is no
    address, is a problem named by its row (contact.1, …)."""
    out = []
    for n, (phone, email) in enumerate(typed, start=1):
        phone, email = phone.strip(), email.strip()
        if not phone and not email:
            continue
        if (phone and to_e164(phone, region) is None) or (email and not EMAIL.match(email)):
            problems.append(Problem(f"contact.{n}", "bad_contact"))
            continue
        out.append({k: v for k, v in (("phone", phone), ("email", email)) if v})  # as typed
    return out


def put(raw: dict[str, Any], key: str, value: Any, default: Any) -> None:
    """An override the store needs: one that differs from the journey's own, or one it
    already has."""
    if value != default or key in raw:
        raw[key] = value


def share(typed: str, journey: str, problems: list[Problem]) -> float | None:
    percent = decimal(typed.strip().replace(",", ".").removesuffix("%").strip() or "0")
    if percent is None or not 0 <= percent <= MOST_HOLDOUT:
        problems.append(Problem(f"holdout.{journey}", "bad_share"))
        return None
    return float(percent / 100)
