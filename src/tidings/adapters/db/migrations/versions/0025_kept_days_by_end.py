"""kept days by end: the triggers of migration 0017 find the kept days a change touches (of the
report's figures or of the score's tallies) on an index of the days' ends, not by testing every
kept day of the store

0017's triggers asked only whether the store keeps any day, and then tested every kept day of
the store against the row. A live store keeps its closed days from its worker's first round
on, so every order, parcel, message, delivery and chat message a live store wrote paid it:
in the demo store (35 kept days, 248 kept score days) a new shopper's order cost 59,166 SQLite
steps where its insert takes 1,068 (for each kept day, a search of the messages the order
could credit; a returning shopper's, 31,646); a chat message about 6,000 where its insert
takes under 100 (for each kept score day, a search of its conversation). `tidings serve` took
20,000 orders in 89.5 s with the score's days kept, about 52 s without.

Now the kept days a change touches are found from the change: each instant it reads (a score
day's) or each decision and due time of each message it touches, each way on its own index
(coupons got one by order), is looked up in an index on (store, ends_at): the days that end
after the instant, of which those that start before it hold it; and those are deleted by key.
A score trigger first asks whether any kept day ends after the earliest of the row's instants
(what a live store writes is about today, which no kept day holds: one probe) and whether one
holds an instant; a figures trigger asks 0017's question. The days forgotten are 0017's:
the new shopper's order now costs 1,149 steps, the returning shopper's 10,391.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Callable

from alembic import op

from tidings.adapters.db.migrate import migration

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


BASE = migration("0017_daily_figures")
LOCK = migration("0022_kept_days_locks").LOCK
# the instant of a changed row `{r}` that 0017's DELETE looks for in the kept days
OWN = {
    "orders": BASE.PAID,
    "shipments": "{r}.collected_at",
    "disputes": "{r}.opened_at",
    "reviews": "{r}.posted_at",
    "tickets": "{r}.resolved_at",
    "chat_messages": "{r}.occurred_at",
}
# ... and those of the rows it stands for: a parcel's order's payment, a chat message's
# conversation (the rows, how they join the changed row, their instant)
JOINED = {
    "shipments": (
        "orders o",
        "o.store_id = {r}.store_id AND o.order_id = {r}.order_id",
        BASE.PAID.format(r="o"),
    ),
    "chat_messages": (
        "chat_messages c",
        "c.store_id = {r}.store_id AND c.conversation_id = {r}.conversation_id",
        "c.occurred_at",
    ),
}
# a kept day `{d}` (`s` of the score's, `f` of the figures') that holds the instant `{x}`: a
# range of the index on (store, ends_at), the days that end after it
HOLDS = "{d}.store_id = {r}.store_id AND {d}.ends_at > {x} AND {d}.starts_at <= {x}"
NEVER = "9999"  # SQLite: after every time it keeps (they are texts, 'YYYY-MM-DD HH:MM:SS…')
Guard = Callable[[str, tuple[str, ...], bool], str]  # a trigger's WHEN: table, rows, PostgreSQL?
Forget = Callable[[str, tuple[str, ...]], str]  # its body: table, rows


def _any(kept: str) -> Guard:
    """0017's question: does the store keep any day at all?"""
    return lambda _, rows, __: f"EXISTS (SELECT 1 FROM {kept} WHERE store_id = {rows[0]}.store_id)"


def scores_held(table: str, rows: tuple[str, ...]) -> list[str]:
    """The kept score days that hold an instant of `rows` of `table`, as 0017's DELETE finds
    them, found by the index on ends_at: a probe an instant (and a message of a chat's
    conversation), a SELECT of their keys a way."""
    held = []
    for r in rows:
        held.append(
            "SELECT s.day, s.metric FROM score_days s"
            f" WHERE {HOLDS.format(d='s', r=r, x=OWN[table].format(r=r))}"
        )
        if table in JOINED:
            joined, on, x = JOINED[table]
            held.append(
                f"SELECT s.day, s.metric FROM {joined} CROSS JOIN score_days s"
                f" WHERE {on.format(r=r)} AND {HOLDS.format(d='s', r=r, x=x)}"
            )
    return held


def scores_holding(table: str, rows: tuple[str, ...], postgresql: bool) -> str:
    """Whether a kept score day holds an instant of `rows` of `table`: first one probe of the
    index on ends_at, does any kept day end after the earliest of them (a live store's writes
    are about today, which no kept day holds), then a probe an instant."""
    earliest = []
    for r in rows:
        earliest.append(OWN[table].format(r=r))
        if table in JOINED:
            joined, on, x = JOINED[table]
            earliest.append(f"(SELECT min({x}) FROM {joined} WHERE {on.format(r=r)})")
    if len(earliest) == 1:
        first = earliest[0]
    elif postgresql:
        first = f"LEAST({', '.join(earliest)})"  # NULLs are left out
    else:
        first = f"min({', '.join(f'coalesce({x}, {NEVER!r})' for x in earliest)})"
    after = (
        f"EXISTS (SELECT 1 FROM score_days s WHERE s.store_id = {rows[0]}.store_id"
        f" AND s.ends_at > {first})"
    )
    held = " OR ".join(f"EXISTS ({found})" for found in scores_held(table, rows))
    return f"({after} AND ({held}))"


def scores_forgotten(table: str, rows: tuple[str, ...]) -> str:
    """0017's DELETE of the kept score days that hold an instant of `rows` of `table`, by key."""
    return (
        f"DELETE FROM score_days WHERE store_id = {rows[0]}.store_id"
        f" AND (day, metric) IN ({' UNION ALL '.join(scores_held(table, rows))})"
    )


# 0017's TOUCHED a way at a time, each on an index: (rows before the messages, the condition)
TOUCHING = {
    "messages": (("", "m.customer_id = {r}.customer_id"), ("", "m.subject = {r}.subject")),
    "deliveries": (("", "m.message_id = {r}.message_id"),),
    "coupons": (("", "m.message_id = {r}.message_id"),),
    "shipments": (("", "m.subject = 'shipment:' || {r}.shipment_id"),),
    "clicks": (
        (
            "links k CROSS JOIN ",
            "k.store_id = {r}.store_id AND k.token = {r}.token AND m.message_id = k.message_id",
        ),
    ),
    "orders": (
        ("", "m.customer_id = {r}.customer_id"),
        ("", "m.subject = 'order:' || {r}.order_id"),
        (
            "coupons c CROSS JOIN ",
            "c.store_id = {r}.store_id AND c.order_id = {r}.order_id AND m.message_id = c.message_id",
        ),
    ),
}


def figures_forgotten(table: str, rows: tuple[str, ...]) -> str:
    """0017's DELETE of the kept figures days that hold the decision or due time of a message
    `rows` of `table` touch: the messages each way they are touched, each on its index, and a
    probe of the days' index a message and time (none for a new shopper's first order)."""
    held = []
    for r in rows:
        for before, touched in TOUCHING[table]:
            held += [
                f"SELECT f.day FROM {before}messages m CROSS JOIN figure_days f"
                f" WHERE m.store_id = {r}.store_id AND {touched.format(r=r)}"
                f" AND {HOLDS.format(d='f', r=r, x=x)}"
                for x in ("m.decided_at", "m.due_at")
            ]
        if table == "messages":
            held += [
                f"SELECT f.day FROM figure_days f WHERE {HOLDS.format(d='f', r=r, x=f'{r}.{x}')}"
                for x in ("decided_at", "due_at")
            ]
    return (
        f"DELETE FROM figure_days WHERE store_id = {rows[0]}.store_id"
        f" AND day IN ({' UNION ALL '.join(held)})"
    )


# what is kept, and the tables (and their events) whose changes can touch it
KINDS: dict[str, dict[str, tuple[str, ...]]] = {"figures": BASE.WATCHED, "scores": BASE.SCORED_ON}


def upgrade() -> None:
    op.create_index("ix_figure_days_end", "figure_days", ["store_id", "ends_at"])
    op.create_index("ix_coupons_order", "coupons", ["store_id", "order_id"])
    op.create_index("ix_score_days_end", "score_days", ["store_id", "ends_at"])
    _triggers(
        {
            "figures": (_any("figure_days"), figures_forgotten),
            "scores": (scores_holding, scores_forgotten),
        }
    )


def downgrade() -> None:
    _triggers(
        {
            "figures": (_any("figure_days"), BASE.forgotten),
            "scores": (_any("score_days"), BASE.forgotten_scores),
        }
    )
    op.drop_index("ix_score_days_end", "score_days")
    op.drop_index("ix_coupons_order", "coupons")
    op.drop_index("ix_figure_days_end", "figure_days")


def _triggers(ways: dict[str, tuple[Guard, Forget]]) -> None:
    """Each trigger of `KINDS` anew: forgetting with the kind's `Forget` when its `Guard` says."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for kind, watched in KINDS.items():
        when, forgotten = ways[kind]
        for table, events in watched.items():
            if postgresql:
                store = "COALESCE(NEW.store_id, OLD.store_id)"
                branches = " ".join(
                    f"IF TG_OP = '{event}' THEN IF {when(table, BASE.EVENTS[event], postgresql)}"
                    f" THEN {forgotten(table, BASE.EVENTS[event])}; END IF; END IF;"
                    for event in events
                )
                op.execute(
                    f"CREATE OR REPLACE FUNCTION {kind}_{table}() RETURNS trigger"
                    f" LANGUAGE plpgsql AS $$ BEGIN {LOCK.format(kind=kind, store=store)}"
                    f" {branches} RETURN NULL; END $$"
                )
                continue
            for event in events:
                rows = BASE.EVENTS[event]
                op.execute(f"DROP TRIGGER {kind}_{table}_{event.lower()}")
                op.execute(
                    f"CREATE TRIGGER {kind}_{table}_{event.lower()} AFTER {event} ON {table}"
                    f" WHEN {when(table, rows, postgresql)} BEGIN {forgotten(table, rows)}; END"
                )
