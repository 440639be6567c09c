"""`tidings demo`: a demo store with 30 days of history, its owner's sign-in, and the server.

Its one rule: the history goes through the same engine as any store's (the contract, then a
replay on a virtual clock that ends now), so the console shows what tidings really did.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tidings import bootstrap
from tidings.config import Settings, load_settings
from tidings.entrypoints.serving import serve
from tidings.services import demo, people

DEFAULT_FILE = Path("tidings-demo.db")


@dataclass(frozen=True)
class Made:
    store: str
    email: str
    password: str
    events: int


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `demo` to the `tidings` parser's subcommands."""
    dm = sub.add_parser("demo", help="a demo store with 30 days of history, served at once")
    dm.add_argument("--db", help=f"database URL (default: a new {DEFAULT_FILE} here)")
    dm.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    dm.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    dm.set_defaults(run=_run)


def make(settings: Settings, end: datetime) -> Made:
    """Replay the demo store's history up to `end`, then its receipts and clicks; add its owner.
    A second run on the same database adds nothing but a new password (the ids repeat)."""
    app = bootstrap.build(settings)
    try:
        history = [app.contract_event(obj) for obj in demo.history(end)]
        app.replay(history, end)
        answers = [app.contract_event(obj) for obj in demo.feedback(app.decided([demo.STORE]), end)]
        app.replay(answers, end)
        password = people.new_password()
        with app.console_unit_of_work() as uow:
            uow.people.remove_user(demo.STORE, demo.OWNER)
            people.create_user(
                uow, app.passwords, store=demo.STORE, email=demo.OWNER, role="owner",
                password=password, at=end,
            )  # fmt: skip
            uow.commit()
    finally:
        app.close()
    return Made(demo.STORE, demo.OWNER, password, len(history) + len(answers))


def _run(args: argparse.Namespace) -> int:
    if args.db is None:  # the demo's own file, made anew each time (with its journal files)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEFAULT_FILE}{suffix}").unlink(missing_ok=True)
    url = f"http://{args.host}:{args.port}"
    given = {"database_url": args.db or str(DEFAULT_FILE), "host": args.host, "port": args.port}
    settings = load_settings(None, public_url=url, **given)
    print("tidings: making the demo store (30 days of history)…", file=sys.stderr)
    made = make(settings, bootstrap.utc_now())
    print(f"tidings: {made.events} events replayed into {settings.database_url}", file=sys.stderr)
    print(f"Open {url}/console/ and sign in as {made.email} with the password {made.password}")
    sys.stdout.flush()
    return serve(settings)
