"""A change of a store's settings from the console, sent as the store.upserted event the API
would take (spec/events.md), with who sent it.

The rule: a change is one store.upserted carrying the store's whole settings (an upsert
replaces them; the journeys' overrides go in `data.journeys` as journeys.md says), checked by
the contract's own checks (`check`, the API's), and ingested as the API ingests, so that a
replay of the store's events gives the same result. A form with a bad field changes nothing:
`InvalidSettings` names every bad field.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tidings.domain import sms
from tidings.domain.catalogue import Catalogue
from tidings.domain.errors import InvalidEvent, TidingsError
from tidings.domain.events import Event
from tidings.domain.state import Store
from tidings.services import settings_fields
from tidings.services.ingest import ingest
from tidings.services.settings import (
    CAPS,
    Change,
    SettingsPage,
    SettingsUnitOfWork,
    current,
    step_text,
)
from tidings.services.settings_fields import Problem
from tidings.services.texts import MAX_SMS_SEGMENTS, composed

__all__ = ["InvalidSettings", "Problem", "SettingsForm", "change", "changed", "drafted", "form_of"]

Check = Callable[[dict[str, Any]], Event]  # the API's: raises InvalidEvent


@dataclass(frozen=True)
class SettingsForm:
    """The settings form as typed; `journeys` are the journeys the form showed."""

    quiet_start: str = ""
    quiet_end: str = ""
    monthly_sms_budget: str = ""
    sms_signature: str = ""
    contacts: tuple[tuple[str, str], ...] = ()  # (phone, email)
    journeys: tuple[str, ...] = ()
    enabled: frozenset[str] = frozenset()
    holdouts: Mapping[str, str] = field(default_factory=dict)  # percent, as typed
    step: str = ""  # journey.step whose texts follow
    texts: Mapping[str, str] = field(default_factory=dict)  # per locale
    caps: Mapping[str, str] = field(default_factory=dict)  # per cap, as typed


def form_of(page: SettingsPage) -> SettingsForm:
    """The form filled in with the settings the page shows (and a blank contact row)."""
    store = page.settings
    contacts = [(c.get("phone") or "", c.get("email") or "") for c in store.merchant_contacts]
    return SettingsForm(
        quiet_start=store.quiet_start, quiet_end=store.quiet_end,
        monthly_sms_budget=store.monthly_sms_budget or "", sms_signature=store.sms_signature,
        contacts=(*contacts, ("", "")), journeys=tuple(j.journey for j in page.journeys),
        enabled=frozenset(j.journey for j in page.journeys if j.enabled),
        holdouts={j.journey: f"{Decimal(str(j.holdout)) * 100:f}".rstrip("0").rstrip(".")
                  for j in page.journeys},
        step=page.step.name if page.step else "",
        texts=dict(page.step.texts) if page.step else {},
        caps={"marketing_per_day": str(store.marketing_per_day),
              "any_per_day": str(store.any_per_day)},
    )  # fmt: skip


class InvalidSettings(TidingsError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))


def change(
    uow: SettingsUnitOfWork,
    catalogue: Catalogue,
    check: Check,
    *,
    store_id: str,
    form: SettingsForm,
    email: str,
    at: datetime,
) -> Change | None:
    """Send the form's settings as a store.upserted of `email` at `at` (the caller commits);
    None when it changes nothing. Raises InvalidSettings, UnknownStore."""
    store = current(uow, store_id)
    data = drafted(catalogue, store, form)
    fields = changed(catalogue, data_of(store), data)
    if not fields:
        return None
    ident = f"console-{uuid.uuid4().hex[:20]}"
    occurred = after(store.updated_at, at)
    envelope = {"id": ident, "type": "store.upserted", "store": store_id,
                "occurred_at": occurred.isoformat(), "data": data}  # fmt: skip
    try:
        event = check(envelope)
    except InvalidEvent as exc:
        raise InvalidSettings([_contract_problem(exc)]) from None
    ingest(uow, [event], at)
    done = Change(email, at, fields)
    uow.settings.record(store_id, ident, done)
    return done


def after(last: datetime | None, at: datetime) -> datetime:
    """When the change happened: `at`, or just after the store's last upsert when that one
    is not older (an upsert older than the last is ignored, and two at the same instant
    would be run in the order of their ids)."""
    return at if last is None or at > last else last + timedelta(milliseconds=1)


def data_of(store: Store) -> dict[str, Any]:
    """The store's settings as a store.upserted's data."""
    data: dict[str, Any] = {
        "name": store.name, "timezone": store.timezone, "locale": store.locale,
        "default_region": store.default_region, "currency": store.currency,
        "quiet_hours": {"start": store.quiet_start, "end": store.quiet_end},
        "sms_signature": store.sms_signature,
        "merchant_contacts": [{k: v for k, v in c.items() if v} for c in store.merchant_contacts],
        "sms_price": store.sms_price, "journeys": copy.deepcopy(store.journeys),
    }  # fmt: skip
    if store.base_url:
        data["base_url"] = store.base_url
    if store.monthly_sms_budget is not None:
        data["monthly_sms_budget"] = store.monthly_sms_budget
    if store.caps:
        data["caps"] = dict(store.caps)
    return data


def drafted(catalogue: Catalogue, store: Store, form: SettingsForm) -> dict[str, Any]:
    """The store's data with the form's settings in it. Raises InvalidSettings."""
    problems: list[Problem] = []
    data = data_of(store)
    for name in ("quiet_start", "quiet_end"):
        if not settings_fields.CLOCK.match(getattr(form, name).strip()):
            problems.append(Problem(name, "bad_time"))
    data["quiet_hours"] = {"start": form.quiet_start.strip(), "end": form.quiet_end.strip()}
    budget = settings_fields.budget(form.monthly_sms_budget, problems)
    data.pop("monthly_sms_budget", None)
    if budget is not None:
        data["monthly_sms_budget"] = budget
    data["sms_signature"] = form.sms_signature.strip()
    data["merchant_contacts"] = settings_fields.contacts(
        form.contacts, store.default_region, problems
    )
    data["journeys"] = _overrides(catalogue, store, form, problems)
    data.pop("caps", None)
    if caps := settings_fields.caps(store, form.caps, problems):
        data["caps"] = caps
    if problems:
        raise InvalidSettings(problems)
    return data


def _overrides(
    catalogue: Catalogue, store: Store, form: SettingsForm, problems: list[Problem]
) -> dict[str, Any]:
    """The store's overrides with each journey's on/off, holdout and the step's texts set."""
    out: dict[str, Any] = copy.deepcopy(store.journeys)
    runs = catalogue.for_store(store.journeys)
    for name in form.journeys:
        if name not in runs:
            continue
        default, raw = catalogue.journeys[name], out.setdefault(name, {})
        settings_fields.put(raw, "enabled", name in form.enabled, default.enabled)
        share = settings_fields.share(form.holdouts.get(name, ""), name, problems)
        if share is not None:
            settings_fields.put(raw, "holdout", share, default.holdout)
        if not raw:
            del out[name]
    shown = step_text(runs, store, form.step)
    if shown is not None:
        for locale, typed in form.texts.items():
            text = typed.replace("\r\n", "\n").strip()
            if locale not in shown.texts or text == shown.texts[locale].strip():
                continue
            if _too_long(store, shown.kind, locale, text, problems):
                continue
            templates = out.setdefault(shown.journey, {}).setdefault("templates", {})
            templates.setdefault(shown.step, {})[locale] = text
    return out


def _too_long(store: Store, kind: str, locale: str, text: str, problems: list[Problem]) -> bool:
    if not text:
        problems.append(Problem(f"text.{locale}", "empty"))
        return True
    body = composed(text, store.sms_signature, locale, kind == "marketing")
    if sms.count(body).segments > MAX_SMS_SEGMENTS:
        problems.append(Problem(f"text.{locale}", "too_long"))
        return True
    return False


def changed(catalogue: Catalogue, old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    """The names of the settings `new` changes: its own fields, and per journey `enabled`,
    `holdout` and each step's text per locale, compared as the store runs them."""
    fields = [k for k in new if k not in ("journeys", "caps") and old.get(k) != new.get(k)]
    fields += [k for k in old if k not in new and k not in ("journeys", "caps")]
    was, now = old.get("caps", {}), new.get("caps", {})
    fields += [f"caps.{k}" for k in CAPS if was.get(k) != now.get(k)]
    before, after = catalogue.for_store(old["journeys"]), catalogue.for_store(new["journeys"])
    for name, journey in after.items():
        was = before[name]
        if was.enabled != journey.enabled:
            fields.append(f"journeys.{name}.enabled")
        if was.holdout != journey.holdout:
            fields.append(f"journeys.{name}.holdout")
        for then, now in zip(was.steps, journey.steps, strict=True):
            fields += [
                f"journeys.{name}.templates.{now.name}.{locale}"
                for locale, text in now.template.items()
                if then.template.get(locale) != text
            ]
    return tuple(fields)


def _contract_problem(exc: InvalidEvent) -> Problem:
    """The form's field for what the contract refused (`data.journeys.j.templates.s.en`…)."""
    parts = exc.field.removeprefix("data.").split(".")
    if parts[0] == "caps" and len(parts) == 2:
        return Problem(parts[1], "bad_cap", exc.reason)
    if parts[0] == "quiet_hours":
        return Problem(f"quiet_{parts[-1]}", "bad_time", exc.reason)
    if parts[0] == "journeys" and len(parts) >= 5 and parts[2] == "templates":
        return Problem(f"text.{parts[4]}", "bad_template", exc.reason)
    if parts[0] == "journeys" and len(parts) >= 3 and parts[2] == "holdout":
        return Problem(f"holdout.{parts[1]}", "bad_share", exc.reason)
    return Problem(parts[0] or "settings", "refused", exc.reason)
