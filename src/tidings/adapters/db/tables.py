"""One schema for SQLite and PostgreSQL; every key starts with the store id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

from tidings.domain.times import require_aware

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive ones are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = require_aware(value, "timestamp").astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """SQLite's text read straight to an aware UTC datetime: a tenth of the time of its
        driver's parse and `replace(tzinfo=UTC)` after it, paid on every row a replay loads."""
        slow = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or slow is None:
            return slow

        def read(value: Any) -> datetime | None:
            if isinstance(value, str):  # `2026-11-11 02:35:00.000000`, a UTC instant
                try:
                    return datetime.fromisoformat(value + "+00:00")
                except ValueError:
                    pass  # a form only the driver's parse reads
            return slow(value)

        return read


def _id(name: str) -> Column[str]:
    return Column(name, String(128), nullable=False)


def _time(name: str, nullable: bool = True) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


def _text(name: str) -> Column[str]:
    return Column(name, Text)


events = Table(
    "events",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("event_id"),
    Column("type", String(32), nullable=False),
    _time("occurred_at", False),
    _time("received_at", False),
    Column("payload", Text, nullable=False),
    Column("run", String(16)),
    # 0012: the customer an event of a customer's own (their record, review, after-sale
    # request) is about, so that an erasure finds them without reading the store's texts
    Column("customer_id", String(128)),
    PrimaryKeyConstraint("store_id", "event_id"),
    Index("ix_events_run", "run", "occurred_at", "store_id", "event_id"),
    Index(
        "ix_events_customer",
        "store_id",
        "customer_id",
        sqlite_where=text("customer_id IS NOT NULL"),
        postgresql_where=text("customer_id IS NOT NULL"),
    ),
    # 0016: a store's events of a type, latest first: the console's dry run of a journey reads
    # the latest that could start it, an erasure the shopper replies (numbers vary in form);
    # it took the place of 0012's ix_events_inbound, which served only the replies
    Index("ix_events_type", "store_id", "type", "occurred_at", "event_id"),
)

stores = Table(
    "stores",
    metadata,
    Column("store_id", String(64), primary_key=True),
    _text("name"),
    _text("timezone"),
    _text("locale"),
    _text("default_region"),
    _text("currency"),
    _text("quiet_start"),
    _text("quiet_end"),
    _text("sms_signature"),
    _text("base_url"),
    Column("merchant_contacts", JSON),
    _text("sms_price"),
    _text("monthly_sms_budget"),
    Column("journeys", JSON),
    _time("updated_at"),
    Column("variants", JSON),
    Column("coupons_issued", Integer, nullable=False, server_default="0"),
    Column("caps", JSON),  # 0021: the store's own frequency caps, absent ones the contract's
)

customers = Table(
    "customers",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("customer_id"),
    _text("phone"),
    Column("phone_key", String(32)),
    _text("email"),
    _text("name"),
    _text("locale"),
    _text("timezone"),
    _text("birthday"),
    Column("sms_consent", Boolean),
    _time("sms_consent_at"),
    Column("email_consent", Boolean),
    Column("tags", JSON),
    _time("last_order_at"),
    _time("updated_at"),
    _time("erased_at"),
    Column("relay", JSON),  # 0018: the platform's relay handle (never a phone)
    PrimaryKeyConstraint("store_id", "customer_id"),
    Index("ix_customers_phone", "store_id", "phone_key"),
)

carts = Table(
    "carts",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("cart_id"),
    Column("customer_id", String(128)),
    Column("item_count", Integer, nullable=False),
    _text("total"),
    _text("currency"),
    _text("url"),
    _time("updated_at"),
    _time("ordered_at"),
    PrimaryKeyConstraint("store_id", "cart_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("order_id"),
    Column("customer_id", String(128)),
    Column("cart_id", String(128)),
    _text("total"),
    _text("currency"),
    _text("payment"),
    _time("created_at"),
    _time("paid_at"),
    _time("cancelled_at"),
    _text("cancel_reason"),
    _text("pay_url"),
    _time("auto_close_at"),
    _text("coupon_code"),
    _time("reviewed_at"),
    _time("pickup_at"),
    Column("relay", JSON),  # 0018: the platform's relay handle (never a phone)
    PrimaryKeyConstraint("store_id", "order_id"),
    Index("ix_orders_customer", "store_id", "customer_id", "created_at"),  # 0004: outcomes
)
# 0024: orders by when they count as paid, on PostgreSQL only (the attribution's "paid since")
Index(
    "ix_orders_paid",
    orders.c.store_id,
    text("(CASE WHEN payment = 'cod' AND created_at IS NOT NULL THEN created_at ELSE paid_at END)"),
).ddl_if(dialect="postgresql")

alerts = Table(
    "alerts",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("state", String(16), nullable=False),
    _time("opened_at"),
    _time("acknowledged_at"),
    _time("resolved_at"),
    PrimaryKeyConstraint("store_id", "message_id"),
    Index("ix_alerts_state", "store_id", "state", "opened_at"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("code", String(32), nullable=False),
    Column("message_id", String(40)),
    Column("journey", String(64)),
    Column("customer_id", String(128)),
    _time("issued_at"),
    _time("redeemed_at"),
    Column("order_id", String(128)),
    PrimaryKeyConstraint("store_id", "code"),
    Index("ix_coupons_order", "store_id", "order_id"),  # 0025: the messages an order touches
)

shipments = Table(
    "shipments",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("shipment_id"),
    Column("order_id", String(128)),
    _text("carrier"),
    _text("tracking_number"),
    Column("package_index", Integer),
    Column("package_count", Integer),
    _time("shipped_at"),
    Column("status", String(32)),
    _text("substatus"),
    _text("message"),
    _time("status_at"),
    _text("pickup_point"),
    _text("pickup_address"),
    _text("pickup_code"),
    _time("storage_until"),
    _time("collected_at"),
    _time("arrived_at"),
    _time("delivered_at"),
    Column("milestones", JSON),
    PrimaryKeyConstraint("store_id", "shipment_id"),
    Index("ix_shipments_order", "store_id", "order_id", "collected_at"),  # 0017: first collection
    Index("ix_shipments_status", "store_id", "status", "status_at"),  # 0017: the Parcels screen
)

reviews = Table(
    "reviews",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("review_id"),
    Column("order_id", String(128)),
    Column("customer_id", String(128)),
    Column("rating", Integer),
    _text("text"),
    _text("sku"),
    _time("posted_at"),
    _time("deleted_at"),
    Column("deleted_by", String(16)),
    PrimaryKeyConstraint("store_id", "review_id"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("ticket_id"),
    Column("order_id", String(128)),
    Column("customer_id", String(128)),
    Column("kind", String(16)),
    _text("reason"),
    _time("opened_at"),
    _time("resolved_at"),
    Column("outcome", String(16)),
    Column("satisfied", Boolean),
    PrimaryKeyConstraint("store_id", "ticket_id"),
)

phone_optouts = Table(
    "phone_optouts",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("phone", String(32), nullable=False),  # a keyed digest of the number (0006)
    Column("opted_out", Boolean, nullable=False),
    _time("changed_at"),
    PrimaryKeyConstraint("store_id", "phone"),
)

messages = Table(
    "messages",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("journey", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("customer_id", String(128)),
    Column("recipient", Text),
    Column("status", String(16), nullable=False),
    Column("reason", String(32)),
    _time("started_at", False),
    _time("due_at", False),
    _time("run_at", False),
    _time("decided_at"),
    _text("body"),
    Column("segments", Integer, nullable=False),
    Column("cost", String(24), nullable=False),
    _text("title"),
    _text("template"),  # 0013: the provider template call (code and values), JSON, or NULL
    PrimaryKeyConstraint("store_id", "message_id"),
    # subject second: the dedupe key also serves "every message about this subject"
    UniqueConstraint("store_id", "subject", "journey", "step", name="uq_messages_dedupe"),
    Index(  # 0026: with its tie-break, walked in the order the worker takes what is due
        "ix_messages_due",
        "run_at",
        "message_id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_messages_customer", "store_id", "customer_id", "decided_at"),
    Index("ix_messages_decided", "store_id", "decided_at"),
    Index("ix_messages_listing", "store_id", "due_at"),
    Index("ix_messages_journey_due", "store_id", "journey", "due_at", "message_id"),  # 0012
    Index("ix_messages_id", "message_id"),  # 0012: an unsubscribe link names the message only
    # 0004: a journey's messages by time, with what the report counts and when each was
    # due (the report reads the index, not the rows)
    Index(
        "ix_messages_journey",
        "store_id",
        "journey",
        "decided_at",
        "status",
        "reason",
        "segments",
        "cost",
        "due_at",
    ),
)

sms_spend = Table(
    "sms_spend",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("micros", BigInteger, nullable=False),
    PrimaryKeyConstraint("store_id", "month"),
)

links = Table(
    "links",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("token", String(32), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("target", Text, nullable=False),
    PrimaryKeyConstraint("store_id", "token"),
    Index("ix_links_token", "token"),
)

clicks = Table(
    "clicks",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("event_id"),  # the link.clicked event
    Column("token", String(32), nullable=False),
    _time("clicked_at", False),
    PrimaryKeyConstraint("store_id", "event_id"),
    Index("ix_clicks_token", "store_id", "token"),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("event_id"),
    Column("conversation_id", String(128), nullable=False),
    Column("customer_id", String(128)),
    Column("direction", String(16), nullable=False),
    Column("responder", String(16)),
    _time("occurred_at", False),
    PrimaryKeyConstraint("store_id", "event_id"),
    Index("ix_chat_conversation", "store_id", "conversation_id", "occurred_at"),
)

disputes = Table(
    "disputes",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("dispute_id"),
    Column("order_id", String(128)),
    _time("opened_at"),
    _time("closed_at"),
    _text("outcome"),
    PrimaryKeyConstraint("store_id", "dispute_id"),
)

# --- the live service ---------------------------------------------------------------

inbox = Table(
    "inbox",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("event_id"),
    _time("occurred_at", False),
    PrimaryKeyConstraint("store_id", "event_id"),
    Index("ix_inbox_order", "store_id", "occurred_at", "event_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    _time("attempt_at", False),  # queued: when to try; sending: when the lease runs out
    Column("lease_owner", String(64)),
    _text("error"),
    _time("accepted_at"),
    _time("final_at"),
    PrimaryKeyConstraint("store_id", "message_id", "recipient"),
    Index(
        "ix_deliveries_claim",
        "attempt_at",
        sqlite_where=text("state IN ('queued', 'sending')"),
        postgresql_where=text("state IN ('queued', 'sending')"),
    ),
    Index("ix_deliveries_recipient", "store_id", "recipient", "accepted_at"),
    Index(
        "ix_deliveries_delivered",
        "store_id",
        "message_id",
        sqlite_where=text("state = 'delivered'"),
        postgresql_where=text("state = 'delivered'"),
    ),
)

provider_refs = Table(
    "provider_refs",
    metadata,
    Column("provider", String(64), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("recipient", String(320), nullable=False),
    PrimaryKeyConstraint("provider", "ref"),
    Index("ix_provider_refs_message", "store_id", "message_id"),
)

receipts_waiting = Table(  # receipts that came before the acceptance they answer was recorded
    "receipts_waiting",
    metadata,
    Column("provider", String(64), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    _text("error"),
    _time("received_at", False),
    PrimaryKeyConstraint("provider", "ref", "status"),
)

provider_slots = Table(  # a provider's rate shared by every worker: the next free instant
    "provider_slots",
    metadata,
    Column("provider", String(64), primary_key=True),
    _time("free_at", False),
)

instance = Table(  # what this installation generated for itself (its link secret)
    "instance",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    _text("label"),
    _time("created_at", False),
    _time("revoked_at"),
    _time("expires_at"),  # set by a rotation: the key works until then
    Index("ix_api_keys_store", "store_id"),
)

connectors = Table(  # a store's platform connections; the secret verifies their webhooks
    "connectors",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    Column("secret", Text, nullable=False),  # kept in clear: an HMAC needs it; never answered
    _time("created_at", False),
    Column("settings", JSON, nullable=True),  # a pulled platform's app key, endpoint, token
    Column("cursor", Text, nullable=True),  # where its last pull stopped
    _time("pull_after", True),  # not pulled again before (claimed by a worker until then)
    Column("pull_error", Text, nullable=True),  # why its last pull failed
    PrimaryKeyConstraint("store_id", "source"),
)

hook_deliveries = Table(  # every verified webhook delivery as received, and what came of it
    "hook_deliveries",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    _id("delivery_id"),
    _time("received_at", False),
    _text("topic"),
    Column("headers", JSON),
    Column("body", Text),
    Column("outcome", String(16), nullable=False),
    _text("reason"),
    Column("customer_id", String(128)),
    Column("events", JSON),
    PrimaryKeyConstraint("store_id", "source", "delivery_id"),
    Index("ix_hook_deliveries_outcome", "store_id", "source", "outcome", "received_at"),
    Index("ix_hook_deliveries_customer", "store_id", "customer_id"),
)

hook_refusals = Table(  # webhooks refused before anything was kept, counted; never a body
    "hook_refusals",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("source", String(32), nullable=False),
    Column("day", String(10), nullable=False),  # UTC, YYYY-MM-DD
    Column("reason", String(32), nullable=False),  # no_connector, bad_signature
    Column("count", Integer, nullable=False),
    _time("last_at", False),
    PrimaryKeyConstraint("store_id", "source", "day", "reason"),
)

score_targets = Table(
    "score_targets",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("target", String(24), nullable=False),
    PrimaryKeyConstraint("store_id", "metric"),
)

smpp_parts_taken = Table(  # parts of a long text an SMSC took, until all were (kept.PartsKept)
    "smpp_parts_taken",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("part", Integer, nullable=False),
    Column("source", String(32), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("concat_ref", Integer, nullable=False),
    Column("ref", String(128), nullable=False),
    _time("taken_at", False),
    PrimaryKeyConstraint("store_id", "message_id", "recipient", "provider", "part"),
)

smpp_reply_parts = Table(  # parts of shoppers' long replies acknowledged; part 0: handed over
    "smpp_reply_parts",
    metadata,
    Column("provider", String(64), nullable=False),
    Column("sender", String(32), nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("concat_ref", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("part", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("coding", Integer, nullable=False),
    _time("received_at", False),
    PrimaryKeyConstraint("provider", "sender", "recipient", "concat_ref", "total", "part"),
)

# --- the seller's console (0010) -----------------------------------------------------------

console_users = Table(  # one email, one store: the email alone finds the user at sign-in
    "console_users",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    _time("created_at", False),
    PrimaryKeyConstraint("store_id", "email"),
    UniqueConstraint("email", name="uq_console_users_email"),
)

console_sessions = Table(  # kept here so that signing out or removing a user ends them
    "console_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # SHA-256 of the cookie's id
    Column("store_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("csrf", String(64), nullable=False),
    _time("created_at", False),
    _time("expires_at", False),
    Index("ix_console_sessions_user", "store_id", "email"),
)

console_failures = Table(  # failed sign-ins by email (hashed) and by client, to slow them down
    "console_failures",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    _time("last_at", False),
    _time("blocked_until"),
)

settings_changes = Table(  # 0015: who changed a store's settings in the console, and what
    "settings_changes",
    metadata,
    Column("store_id", String(64), nullable=False),
    _id("event_id"),  # the store.upserted event that carries the change
    Column("email", String(320), nullable=False),
    _time("changed_at", False),
    Column("fields", JSON, nullable=False),  # the names of the settings changed
    PrimaryKeyConstraint("store_id", "event_id"),
    Index("ix_settings_changes_at", "store_id", "changed_at"),
)

provider_templates = Table(  # 0013: a store's approved templates at template-based providers
    "provider_templates",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("journey", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("code", String(64), nullable=False),
    Column("variables", JSON, nullable=False),  # [[name, path], …] in the template's order
    _time("updated_at", False),
    PrimaryKeyConstraint("store_id", "provider", "journey", "step", "locale"),
)

# 0017: the report's figures of a closed local day, summed once (adapters/db/analytics/figures).
# A kept day spans [starts_at, ends_at); the triggers of 0017 forget it when a row it counted
# changes (a late receipt, a click, a payment, a message), and the report counts it live again.
figure_days = Table(
    "figure_days",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("day", String(16), nullable=False),  # the store's local day, or an hour of it (0023)
    _time("starts_at", False),
    _time("ends_at", False),
    _time("summed_at", False),
    PrimaryKeyConstraint("store_id", "day"),
    Index("ix_figure_days_end", "store_id", "ends_at"),  # 0025: could a kept day hold a change?
)

daily_counts = Table(  # messages decided that day, by journey, step, status and reason
    "daily_counts",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("day", String(16), nullable=False),
    Column("journey", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(32), nullable=False),  # "" where none
    Column("messages", Integer, nullable=False),
    Column("segments", Integer, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    PrimaryKeyConstraint("store_id", "day", "journey", "step", "status", "reason"),
)

daily_outcomes = Table(  # what that day's messages did: delivered, clicked, orders brought back
    "daily_outcomes",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("day", String(16), nullable=False),
    Column("journey", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("delivered", Integer, nullable=False),
    Column("clicked", Integer, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("revenue_micros", BigInteger, nullable=False),
    PrimaryKeyConstraint("store_id", "day", "journey", "step"),
)

daily_arms = Table(  # the holdout's subjects whose first message was due that day, by journey
    "daily_arms",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("day", String(16), nullable=False),
    Column("journey", String(64), nullable=False),
    Column("treated", Integer, nullable=False),
    Column("treated_reached", Integer, nullable=False),
    Column("held", Integer, nullable=False),
    Column("held_reached", Integer, nullable=False),
    Column("held_back", Boolean, nullable=False),  # a message held back was due that day
    PrimaryKeyConstraint("store_id", "day", "journey"),
)

score_days = Table(  # 0017: one metric's tally of a closed local day, for the score and its trend
    "score_days",
    metadata,
    Column("store_id", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("numerator", String(40), nullable=False),  # exact: a count, or seconds or hours
    Column("denominator", Integer, nullable=False),
    Column("culprits", JSON, nullable=False),  # the day's failures, newest first
    _time("starts_at", False),  # the instants of the rows the day reads (triggers: 0017)
    _time("ends_at", False),
    _time("summed_for", False),  # the time the tally was counted as of
    PrimaryKeyConstraint("store_id", "day", "metric"),
    Index("ix_score_days_end", "store_id", "ends_at"),  # 0025: could a kept day hold a change?
)
