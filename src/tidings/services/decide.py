"""Deciding a due message at send time: the state read now is the truth.

Order of the checks: the journey's reason gone (condition_cleared), opted_out, no_consent,
invalid_recipient; template_not_approved (an SMS through a provider that sends approved
templates only, none for the step: the merchant is alerted once per step); then quiet hours
defer what would go; then the holdout, at the moment the message would go, so that held-back
and treated subjects met the same checks at the same time; then the frequency caps and the
budget, which depend on what was really sent before.

An SMS goes to the customer's phone; without one, through the platform's relay when the subject
order (or else the customer) has a relay handle (a Taobao/JD buyer, domain/relay.py), its STOP
the one the relay reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tidings.domain import relay, sms
from tidings.domain.conditions import all_hold, any_holds
from tidings.domain.consent import consent_reason, email_consent_reason
from tidings.domain.journeys import Journey, Step, next_step, step_due
from tidings.domain.messages import SENT, SUPPRESSED, Message, held_out, message_id
from tidings.domain.quiet_hours import quiet_until
from tidings.domain.state import Alert, Coupon, Store
from tidings.domain.times import zone
from tidings.services.phones import to_e164
from tidings.services.ports import Outbox
from tidings.services.provider_templates import NotApproved, TemplateBook
from tidings.services.relayed import handle_of, optout_of
from tidings.services.texts import Link, Texts
from tidings.services.triggers import campaign_at, context_of, journey_message, yearly_subject
from tidings.services.world import CAPPED, Sent, World

DAY = timedelta(hours=24)


@dataclass
class Decider:
    """Decides messages for one batch; `journeys(store)` gives the store's journeys."""

    texts: Texts
    world: World
    outbox: Outbox
    templates: TemplateBook | None = None  # None: no store sends through approved templates
    _links: list[Link] = field(default_factory=list)

    def forget(self) -> None:
        """Drop what a decision that failed half-way had gathered (its links)."""
        self._links = []

    def decide(self, message: Message, at: datetime) -> list[Message]:
        """Decide `message` at `at`; return what must be queued again (deferred or next)."""
        store = self.world.store(message.store_id)
        if message.journey == "keywords":
            self._send(message, store, at, self.texts.reply(message, store))
            return []
        journey = self.texts.journeys(store).get(message.journey)
        if message.channel == "alert" and journey is None:  # the engine's own (budget)
            self._send(message, store, at, self.texts.alert(message, store))
            return []
        if journey is None:
            self._suppress(message, at, "condition_cleared")
            return []
        step = journey.step(message.step)
        message.channel = step.channel  # email stands in for SMS only while there is no phone
        ctx = context_of(self.world, message.store_id, message.subject, message.started_at)
        ctx["now"] = at
        customer = ctx.get("customer")
        if message.channel == "alert":
            message.recipient = "merchant"
        elif message.channel == "review_reply":
            message.recipient = message.subject  # review:<id>, answered in public
        else:
            message.recipient = to_e164(getattr(customer, "phone", None), store.default_region)
            handle = None if message.recipient else handle_of(ctx)
            email = getattr(customer, "email", None)
            if handle is not None:  # a marketplace buyer: the platform relays the SMS
                message.recipient = relay.recipient(handle)
            elif journey.email and email and not getattr(customer, "phone", None):
                message.channel, message.recipient = "email", email  # no phone to text
        if journey.yearly and step_due(step, ctx) != message.due_at:  # birthday changed
            self._suppress(message, at, "condition_cleared")
            return []
        if journey.campaign is not None:  # still in the segment when it goes?
            ctx["campaign"] = campaign_at(journey, ctx)
            if not all_hold(journey.where, ctx):
                self._suppress(message, at, "condition_cleared")
                return []
        if not journey.enabled or any_holds(journey.exit_if, ctx) or any_holds(step.unless, ctx):
            self._suppress(message, at, "condition_cleared")  # the reason is gone: no text
            return []
        body, self._links = self.texts.render_step(message, step, store, ctx)
        if step.coupon or any(isinstance(t, tuple) for t in step.template.values()):
            self.world.touch("store", store.store_id)  # its last variant, its coupon count
        if message.channel in ("alert", "review_reply"):  # no consent, quiet hours or caps
            self._send(message, store, at, body)
            return []
        if self._unapproved(message, journey, step, store, ctx, body, at):
            return self._follow_up(journey, message, ctx)
        if self._decide_direct(message, journey, step, store, customer, body, at):
            return [message]  # deferred by quiet hours
        if message.status == SENT and ctx.get("coupon"):
            self._issue(message, ctx["coupon"], at)
        return self._follow_up(journey, message, ctx)

    def _issue(self, message: Message, code: str, at: datetime) -> None:
        """Record the coupon a sent message carries, so that an order can redeem it."""
        coupon = Coupon(message.store_id, code, message.message_id, message.journey)
        coupon.customer_id, coupon.issued_at = message.customer_id, at
        self.world.coupons.setdefault((message.store_id, code), coupon)
        self.world.touch("coupon", (message.store_id, code))

    def _decide_direct(
        self,
        message: Message,
        journey: Journey,
        step: Step,
        store: Store,
        customer: Any,
        body: str,
        at: datetime,
    ) -> bool:
        """Send or suppress an SMS or email; True when quiet hours defer an SMS instead."""
        sms = message.channel == "sms"
        reason = self._refused(message, customer)
        if reason is None and sms:
            tz = zone(getattr(customer, "timezone", None) or store.timezone)
            until = quiet_until(at, tz, store.quiet_start, store.quiet_end)
            if until is not None:
                message.run_at = until
                self._links = []
                self.world.changed(message)
                return True
        if reason is None and held_out(journey.name, message.subject, journey.holdout):
            reason = "holdout"  # held back when it would go: both arms met the same checks
        if reason is None:
            reason = self._over_cap(message, step, store, at)
        if reason is None and sms:
            reason = self._over_budget(message, store, body, at)
        if reason is None:
            self._send(message, store, at, body)
        else:
            self._suppress(message, at, reason, body)
        return False

    def _unapproved(
        self,
        message: Message,
        journey: Journey,
        step: Step,
        store: Store,
        ctx: dict[str, Any],
        body: str,
        at: datetime,
    ) -> bool:
        """Suppress an SMS that has no approved template at the store's provider (True), or
        give it its template call. After consent: an opted-out shopper's stays `opted_out`."""
        if self.templates is None or message.channel != "sms":
            return False
        try:
            route = relay.route(message.recipient, message.channel)
            call = self.templates.call(store, journey, step, ctx, route)
        except NotApproved as missing:
            if self._refused(message, ctx.get("customer")) is not None:
                return False  # suppressed next, for its own reason
            self._suppress(message, at, "template_not_approved", body)
            self._alert_template(store, f"{journey.name}.{step.name}", missing, at)
            return True
        message.template = call.to_json() if call is not None else None
        return False

    def _alert_template(self, store: Store, step: str, missing: NotApproved, at: datetime) -> None:
        """One alert per step without an approved template, however many messages it stops."""
        subject = f"store:{store.store_id}:template:{missing.provider}:{step}:{missing.locale}"
        key = (store.store_id, "template_watch", "template_not_approved", subject)
        if self.world.has_message(key) or self.outbox.for_subjects([(store.store_id, subject)]):
            return
        alert = Message(
            store.store_id, message_id(*key), "template_watch", "template_not_approved",
            subject, "service", "alert", at, at, at, None, "merchant",
        )  # fmt: skip
        self.world.add_message(alert)
        extra = {"step": step, "provider": missing.provider, "locale": missing.locale}
        self._send(alert, store, at, self.texts.alert(alert, store, **extra))

    def _refused(self, message: Message, customer: Any) -> str | None:
        """Consent and the recipient: reasons that no waiting removes."""
        reason: str | None
        if message.channel == "email":
            reason = email_consent_reason(message.kind, customer)
        else:
            phone = message.recipient
            optout = optout_of(self.world, message.store_id, phone, message.customer_id)
            reason = consent_reason(message.kind, customer, optout)
            reason = reason or (None if phone else "invalid_recipient")
        return reason

    def _over_cap(self, message: Message, step: Step, store: Store, at: datetime) -> str | None:
        """The step's own cap, then the store's caps per 24 h (its own, else the contract's)."""
        if message.customer_id is None:
            return None
        known = [
            s
            for s in self.world.sent.get((message.store_id, message.customer_id), ())
            if s.channel == message.channel
        ]
        if step.cap is not None and any(
            s.journey == message.journey and s.decided_at > at - step.cap for s in known
        ):
            return "frequency_cap"
        sent = [s for s in known if s.decided_at > at - DAY]
        marketing = sum(1 for s in sent if s.kind == "marketing")
        if message.kind == "marketing" and marketing >= store.marketing_per_day:
            return "frequency_cap"
        return "frequency_cap" if len(sent) >= store.any_per_day else None

    def _over_budget(self, message: Message, store: Store, body: str, at: datetime) -> str | None:
        if store.monthly_sms_budget is None:
            return None
        month = month_of(at, store)
        key = (store.store_id, month)
        if key not in self.world.spent:
            self.world.spent[key] = self.outbox.spent(store.store_id, month)
        cost = sms.count(body).segments * store.price
        if self.world.spent[key] + cost <= Decimal(store.monthly_sms_budget):
            return None
        self._alert_budget(store, month, at)
        return "budget_exhausted" if message.kind == "marketing" else None

    def _alert_budget(self, store: Store, month: str, at: datetime) -> None:
        subject = f"store:{store.store_id}:{month}"
        key = (store.store_id, "budget_watch", "budget_exhausted", subject)
        if self.world.has_message(key) or self.outbox.for_subjects([(store.store_id, subject)]):
            return
        alert = Message(
            store.store_id,
            message_id(*key),
            "budget_watch",
            "budget_exhausted",
            subject,
            "service",
            "alert",
            at,
            at,
            at,
            None,
            "merchant",
        )
        self.world.add_message(alert)
        self._send(alert, store, at, self.texts.alert(alert, store, month=month))

    def _send(self, message: Message, store: Store, at: datetime, body: str) -> None:
        message.status, message.reason, message.decided_at, message.body = SENT, None, at, body
        if message.channel == "sms":
            message.segments = sms.count(body).segments
            cost = message.segments * store.price
            message.cost = str(cost)
            if store.monthly_sms_budget is not None:
                key = (store.store_id, month_of(at, store))
                if key not in self.world.spent:
                    self.world.spent[key] = self.outbox.spent(store.store_id, key[1])
                self.world.spent[key] += cost
                self.world.spent_delta[key] = self.world.spent_delta.get(key, Decimal(0)) + cost
        if message.channel == "alert":  # kept open for the dashboard until handled
            key = (store.store_id, message.message_id)
            alert = Alert(*key, message.step.split(".")[0], message.subject, opened_at=at)
            self.world.alerts[key] = alert
            self.world.touch("alert", key)
        capped = message.channel in CAPPED and message.journey != "keywords"
        if capped and message.customer_id is not None:
            sent = Sent(
                store.store_id, message.customer_id, at, message.kind, message.journey,
                message.channel,
            )  # fmt: skip
            self.world.sent.setdefault((store.store_id, message.customer_id), []).append(sent)
        self.world.links.extend(self._links)
        self._links = []
        self.world.changed(message)

    def _suppress(
        self, message: Message, at: datetime, reason: str, body: str | None = None
    ) -> None:
        message.status, message.reason, message.decided_at = SUPPRESSED, reason, at
        message.body = body
        message.segments = sms.count(body).segments if body is not None else 0
        message.cost = "0"
        self._links = []
        self.world.changed(message)

    def _follow_up(self, journey: Journey, done: Message, ctx: dict[str, Any]) -> list[Message]:
        ctx["previous"], ctx["previous_due"] = done.decided_at, done.due_at
        upcoming = next_step(journey, done.step, ctx)
        if upcoming is None:
            return self._next_year(journey, done) if journey.yearly else []
        step, due = upcoming
        run_at = max(due, done.decided_at or due)
        return self._plan(journey, step, done.subject, done, done.started_at, due, run_at)

    def _next_year(self, journey: Journey, done: Message) -> list[Message]:
        """A yearly journey starts again for the next year once this year's is decided."""
        base = done.subject.rsplit(":", 1)[0]
        ctx = context_of(self.world, done.store_id, base, done.due_at)
        step = journey.steps[0]
        due = step_due(step, ctx)
        if due is None:
            return []
        subject = yearly_subject(base, due, ctx)
        return self._plan(journey, step.name, subject, done, done.due_at, due, due)

    def _plan(
        self,
        journey: Journey,
        step: str,
        subject: str,
        done: Message,
        started: datetime,
        due: datetime,
        run_at: datetime,
    ) -> list[Message]:
        """The next message after `done`, unless that step was already planned."""
        if self.world.has_message((done.store_id, journey.name, step, subject)):
            return []
        message = journey_message(
            journey, step, done.store_id, subject, started, due, done.customer_id, run_at
        )
        self.world.add_message(message)
        return [message]


def month_of(at: datetime, store: Store) -> str:
    """The store's calendar month containing `at`, as YYYY-MM."""
    return at.astimezone(zone(store.timezone)).strftime("%Y-%m")
