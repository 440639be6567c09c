"""`tidings demo`: the demo store's history through the engine (every journey, a holdout,
receipts, clicks, alerts, a Double 11 peak), its owner's sign-in, and the command that serves it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import tidings
from smsc import free_port
from tidings import bootstrap
from tidings.adapters.journeys_loader import builtin
from tidings.config import Settings
from tidings.entrypoints.demo_cli import make
from tidings.services import demo, people

CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]
HERE = {**os.environ, "PYTHONPATH": str(Path(tidings.__file__).parents[1])}  # this tree's tidings
END = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture
def made(db_url):  # type: ignore[no-untyped-def]
    found = make(Settings(database_url=db_url), END)
    app = bootstrap.build(Settings(database_url=db_url))
    yield found, app
    app.close()


def test_the_demo_store_runs_every_journey_with_a_holdout_receipts_and_clicks(made):
    _, app = made
    report = app.report(demo.STORE, (END - timedelta(days=30)).date(), END.date())
    rows = {row["journey"]: row for row in report["journeys"]}
    assert set(builtin().journeys) <= {name for name, row in rows.items() if row["sent"] > 0}
    assert rows["cart_recovery"]["suppressed"]["holdout"] > 0
    assert rows["review_request"]["suppressed"]["holdout"] > 0
    assert report["totals"]["delivered"] > report["totals"]["sent"] // 2
    assert report["totals"]["clicked"] > 0 and report["totals"]["orders_recovered"] > 0


def test_the_demo_store_has_open_alerts_of_each_kind_of_parcel_trouble(made):
    _, app = made
    with app.console_unit_of_work() as uow:
        open_alerts = uow.read.alerts(demo.STORE, "open", 1000)
    kinds = Counter(alert.kind for alert, _ in open_alerts)
    assert {"exception", "failed_attempt", "stalled", "bad_review"} <= set(kinds)


def test_nothing_in_the_history_happens_after_now_and_double_11_is_its_peak():
    events = demo.history(END)
    assert max(e["occurred_at"] for e in events) <= END.isoformat()
    per_day = Counter(e["occurred_at"][:10] for e in events if e["type"] == "order.created")
    assert demo.peak_day(END) == date(2026, 11, 11)
    assert max(per_day, key=lambda day: per_day[day]) in {"2026-11-10", "2026-11-11"}  # UTC+8


def test_the_demo_owner_signs_in_with_the_password_given(made):
    found, app = made
    with app.console_unit_of_work() as uow:
        signed = people.sign_in(
            uow, app.passwords, email=found.email, password=found.password, client="t", at=END
        )
    assert signed.session_id is not None and found.store == demo.STORE


def test_the_demo_command_serves_the_store_and_its_owner_signs_in(tmp_path):
    port = free_port()
    command = [*CLI, "demo", "--port", str(port)]  # as the README says, in a folder of its own
    server = subprocess.Popen(
        command, cwd=tmp_path, env=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, encoding="utf-8",
    )  # fmt: skip
    try:
        said = _until_listening(server)
        base, email, password = re.search(
            r"Open (\S+)/console/ .* as (\S+) .* password (\S+)", said
        ).groups()  # type: ignore[union-attr]
        with httpx.Client(base_url=base) as client:
            client.get("/console/login")
            form = {"email": email, "password": password,
                    "csrf": client.cookies["tidings_login_csrf"]}  # fmt: skip
            answer = client.post("/console/login", data=form)
            assert answer.status_code == 303 and answer.headers["location"] == "/console/"
            home = client.get("/console/", follow_redirects=True)
        assert home.status_code == 200 and 'data-metric="sent"' in home.text
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert base == f"http://127.0.0.1:{port}" and (tmp_path / "tidings-demo.db").exists()


def _until_listening(server: subprocess.Popen) -> str:  # type: ignore[type-arg]
    """What the command said until uvicorn listens (or it ended)."""
    assert server.stdout is not None
    said = ""
    for line in server.stdout:
        said += line
        if "Uvicorn running on" in line:
            return said
    raise AssertionError(said)
