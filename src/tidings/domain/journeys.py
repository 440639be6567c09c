"""Journeys as data: a trigger, steps with their times, conditions and sends.

A journey file (TOML) is a table per journey; `journey_from_dict` reads one. Step times are
written `"<anchor> [+|-] <duration>"`, where the anchor is `trigger` (the event that started
the journey), `previous` (when the previous step was decided) or a field such as
`order.auto_close_at`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tidings.domain.conditions import Condition, parse_conditions, resolve
from tidings.domain.errors import InvalidJourney
from tidings.domain.times import parse_duration

SUBJECT_IDS = {
    "order": "order_id",
    "cart": "cart_id",
    "shipment": "shipment_id",
    "review": "review_id",
    "ticket": "ticket_id",
    "customer": "customer_id",  # yearly journeys: customer:<id>:<year>
}
CHANNELS = ("sms", "email", "review_reply", "alert")
HOUR = timedelta(hours=1)
_TIME = re.compile(r"^\s*([a-z_][a-z0-9_.]*)\s*(?:([+-])\s*(\d+\s*[smhd]))?\s*$")


@dataclass(frozen=True, slots=True)
class TimeExpr:
    anchor: tuple[str, ...]
    offset: timedelta

    def at(self, ctx: Mapping[str, Any]) -> datetime | None:
        base = resolve(self.anchor, ctx)
        return base + self.offset if isinstance(base, datetime) else None


def parse_time(text: str, where: str) -> TimeExpr:
    match = _TIME.match(text)
    if not match:
        raise InvalidJourney(f"{where}: write a time as 'trigger + 30m' or 'order.x - 2h'")
    offset = parse_duration(match.group(3)) if match.group(3) else timedelta(0)
    return TimeExpr(tuple(match.group(1).split(".")), -offset if match.group(2) == "-" else offset)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    at: TimeExpr
    channel: str = "sms"
    template: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    at_default: TimeExpr | None = None
    min_gap: timedelta | None = None
    repeat: timedelta | None = None
    cap: timedelta | None = None
    unless: tuple[Condition, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    trigger: str | None = None
    where: tuple[Condition, ...] = ()
    coupon: bool = False
    coupon_if: tuple[Condition, ...] = ()
    title: Mapping[str, str] = field(default_factory=dict)  # an email's subject, per locale


@dataclass(frozen=True, slots=True)
class Journey:
    name: str
    kind: str
    trigger: str
    subject: str
    steps: tuple[Step, ...]
    where: tuple[Condition, ...] = ()
    exit_if: tuple[Condition, ...] = ()
    enabled: bool = True
    holdout: float = 0.0
    retrigger: str = "ignore"
    to: str = "customer"
    yearly: bool = False
    campaign: datetime | None = None  # a wall-clock time, read in each recipient's zone
    email: bool = False  # a customer without a phone but with an email gets it by email

    CAMPAIGN_TRIGGERS = ("customer.upserted", "order.created")  # what may put one in a segment

    @property
    def triggers(self) -> set[str]:
        """The event types that start this journey or one of its steps."""
        if self.campaign is not None:
            return set(self.CAMPAIGN_TRIGGERS)
        return {s.trigger for s in self.steps if s.trigger} or {self.trigger}

    def entries(self, event_type: str) -> list[Step]:
        """The steps an event of `event_type` starts: the first, or each whose own it is.

        Steps with a trigger of their own stand alone: nothing follows them.
        """
        if self.campaign is not None:
            return [self.steps[0]] if event_type in self.CAMPAIGN_TRIGGERS else []
        if self.steps[0].trigger is None:
            return [self.steps[0]] if event_type == self.trigger else []
        return [s for s in self.steps if s.trigger == event_type]

    def step(self, name: str) -> Step:
        base = name.split(".", 1)[0]
        for step in self.steps:
            if step.name == base:
                return step
        raise KeyError(name)


def journey_from_dict(name: str, raw: Mapping[str, Any]) -> Journey:
    """Read one journey table; InvalidJourney names what is wrong and where."""
    where = f"journey {name}"
    kind = raw.get("kind", "service")
    subject = raw.get("subject")
    if kind not in ("service", "marketing"):
        raise InvalidJourney(f"{where}: kind must be service or marketing")
    if subject not in SUBJECT_IDS:
        raise InvalidJourney(f"{where}: subject must be one of {', '.join(SUBJECT_IDS)}")
    steps = tuple(_step(s, f"{where} step {i + 1}") for i, s in enumerate(raw.get("steps", [])))
    if not steps:
        raise InvalidJourney(f"{where}: needs at least one step")
    own = [s.trigger is not None for s in steps]
    if any(own) and not all(own):
        raise InvalidJourney(f"{where}: give every step a trigger of its own, or none")
    campaign = _campaign(raw.get("campaign"), where)
    if campaign is not None and (subject != "customer" or kind != "marketing" or any(own)):
        raise InvalidJourney(
            f"{where}: a campaign is marketing about a customer, its steps in turn"
        )
    if campaign is None and not any(own) and not isinstance(raw.get("trigger"), str):
        raise InvalidJourney(f"{where}: trigger must name an event type")
    journey = Journey(
        name=name,
        kind=kind,
        trigger=str(raw.get("trigger", "")),
        subject=subject,
        steps=steps,
        where=parse_conditions(raw.get("where"), f"{where} where"),
        exit_if=parse_conditions(raw.get("exit_if"), f"{where} exit_if"),
        enabled=bool(raw.get("enabled", True)),
        retrigger=raw.get("retrigger", "ignore"),
        to=raw.get("to", "customer"),
        yearly=bool(raw.get("yearly", False)),
        campaign=campaign,
        email=bool(raw.get("email", False)),
    )
    return with_holdout(journey, raw.get("holdout", 0.0), where)


def _campaign(raw: Any, where: str) -> datetime | None:
    """A campaign's date and time as the recipients read it: without an offset."""
    if raw is None:
        return None
    try:
        when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        when = None
    if when is None or when.tzinfo is not None:
        raise InvalidJourney(f"{where}: campaign is a local date and time, e.g. 2026-12-24T10:00")
    return when


def _step(raw: Mapping[str, Any], where: str) -> Step:
    try:
        name = str(raw["name"])
        at = parse_time(str(raw["at"]), f"{where} at")
    except KeyError as exc:
        raise InvalidJourney(f"{where}: missing {exc.args[0]}") from None
    if raw.get("channel", "sms") not in CHANNELS:
        raise InvalidJourney(f"{where}: channel must be one of {', '.join(CHANNELS)}")
    return Step(
        name=name,
        at=at,
        channel=raw.get("channel", "sms"),
        template=_template(raw.get("template"), f"{where} template"),
        at_default=parse_time(raw["at_default"], where) if "at_default" in raw else None,
        min_gap=_duration(raw.get("min_gap"), f"{where} min_gap"),
        repeat=_duration(raw.get("repeat"), f"{where} repeat"),
        cap=_duration(raw.get("cap"), f"{where} cap"),
        unless=parse_conditions(raw.get("unless"), f"{where} unless"),
        links=dict(raw.get("links", {})),
        trigger=str(raw["trigger"]) if "trigger" in raw else None,
        where=parse_conditions(raw.get("where"), f"{where} where"),
        coupon=bool(raw.get("coupon", False)),
        coupon_if=parse_conditions(raw.get("coupon_if"), f"{where} coupon_if"),
        title=_titles(raw.get("title"), f"{where} title"),
    )


def _duration(text: Any, where: str) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(str(text))
    except ValueError as exc:
        raise InvalidJourney(f"{where}: {exc}") from None


def _template(raw: Any, where: str) -> dict[str, str | tuple[str, ...]]:
    """The text per locale; a list gives variants, one picked for each message."""
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidJourney(f"{where}: give the text per locale, e.g. template.en = '…'")
    out: dict[str, str | tuple[str, ...]] = {}
    for locale, text in raw.items():
        if isinstance(text, list):
            if not text or not all(isinstance(t, str) for t in text):
                raise InvalidJourney(f"{where}.{locale}: a list of variants needs texts")
            out[str(locale)] = tuple(text)
        else:
            out[str(locale)] = str(text)
    return out


def _titles(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise InvalidJourney(f"{where}: give the subject per locale, e.g. title.en = '…'")
    return {str(k): v for k, v in raw.items()}


def with_holdout(journey: Journey, share: Any, where: str) -> Journey:
    if not isinstance(share, int | float) or not 0 <= share <= 0.5:
        raise InvalidJourney(f"{where}: holdout must be a share from 0 to 0.5")
    return replace(journey, holdout=float(share))


def with_overrides(journey: Journey, raw: Mapping[str, Any]) -> Journey:
    """A store's overrides: `enabled`, `holdout`, `delays` {step: "45m"}, `templates`."""
    where = f"journeys.{journey.name}"
    unknown = set(raw) - {"enabled", "holdout", "delays", "templates"}
    if unknown:
        raise InvalidJourney(f"{where}: unknown override {sorted(unknown)[0]!r}")
    if "enabled" in raw:
        journey = replace(journey, enabled=bool(raw["enabled"]))
    if "holdout" in raw:
        journey = with_holdout(journey, raw["holdout"], f"{where}.holdout")
    delays, templates = raw.get("delays") or {}, raw.get("templates") or {}
    steps = []
    for step in journey.steps:
        if step.name in delays:
            delay = _duration(delays[step.name], f"{where}.delays.{step.name}")
            step = replace(step, at=TimeExpr(step.at.anchor, delay or timedelta(0)))
        if step.name in templates:
            texts = _template(templates[step.name], f"{where}.templates.{step.name}")
            step = replace(step, template={**step.template, **texts})
        steps.append(step)
    return replace(journey, steps=tuple(steps))


def step_due(step: Step, ctx: Mapping[str, Any]) -> datetime | None:
    due = step.at.at(ctx)
    if due is None and step.at_default is not None:
        due = step.at_default.at(ctx)
    return due


def next_step(journey: Journey, done: str, ctx: Mapping[str, Any]) -> tuple[str, datetime] | None:
    """The step instance after `done` and when it falls due, or None when the journey ends.

    `ctx["previous"]` is when `done` was decided and `ctx["previous_due"]` when it was due.
    A repeating step repeats while it falls more than an hour before the next step, and is
    skipped when its first time is already that close to the next step.
    """
    base, _, count = done.partition(".")
    index = [s.name for s in journey.steps].index(base)
    step = journey.steps[index]
    if step.trigger is not None:
        return None
    following = journey.steps[index + 1] if index + 1 < len(journey.steps) else None
    following_due = step_due(following, ctx) if following else None
    if step.repeat is not None:
        again = ctx["previous_due"] + step.repeat
        if following_due is None or again < following_due - HOUR:
            return f"{base}.{int(count or 1) + 1}", again
    if following is None or following_due is None:
        return None
    after = journey.steps[index + 2] if index + 2 < len(journey.steps) else None
    after_due = step_due(after, ctx) if after else None
    # a repeating step whose first time falls within the hour before the next step: skipped
    if following.repeat and after and after_due and following_due >= after_due - HOUR:
        following, following_due = after, after_due
    if following.min_gap is not None and following_due < ctx["previous"] + following.min_gap:
        return None
    return following.name, following_due
