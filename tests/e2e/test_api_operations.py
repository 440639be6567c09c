"""Running the API: each key's rate limit, key rotation (API and CLI), /healthz and /readyz,
a database that cannot be reached, and domain errors mapped to HTTP in one place (both
databases)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from helpers import Clock, at, live, store
from tidings import bootstrap
from tidings.adapters.db.engine import make_engine
from tidings.domain import errors
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.api.errors import DOMAIN
from tidings.entrypoints.cli import main


@pytest.fixture
def served(db_url):  # type: ignore[no-untyped-def]
    clock = Clock(at(10))
    app = live(db_url, clock, api_key_limit=3, api_key_window_seconds=5)
    keys = {s: app.create_key(s) for s in ("acme", "bolt")}
    with TestClient(create_app(app)) as client:
        yield client, app, keys, clock
    app.close()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _error(answer, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}
    return answer.json()["error"]  # type: ignore[no-any-return]


def test_a_key_past_its_limit_waits_for_its_window_and_another_key_does_not(served):
    client, _, keys, clock = served
    clock.advance(seconds=1)
    served3 = [client.get("/v1/alerts", headers=_auth(keys["acme"])) for _ in range(3)]
    assert [answer.status_code for answer in served3] == [200, 200, 200]
    clock.advance(seconds=2.5)
    over = client.get("/v1/alerts", headers=_auth(keys["acme"]))
    assert _error(over, 429)["code"] == "too_many_requests"
    assert over.headers["Retry-After"] == "3"  # 2.5 s of the window left, rounded up
    assert client.get("/v1/alerts", headers=_auth(keys["bolt"])).status_code == 200
    clock.advance(seconds=2.4)
    assert client.get("/v1/alerts", headers=_auth(keys["acme"])).status_code == 429
    clock.advance(seconds=0.1)
    assert client.get("/v1/alerts", headers=_auth(keys["acme"])).status_code == 200


def test_a_wrong_key_is_refused_before_it_counts_against_any_limit(served):
    client, _, keys, _ = served
    for _ in range(5):
        assert client.get("/v1/alerts", headers=_auth(keys["acme"] + "x")).status_code == 401
    assert client.get("/v1/alerts", headers=_auth(keys["acme"])).status_code == 200


def test_no_limit_when_the_setting_is_zero(db_url):
    app = live(db_url, Clock(at(10)), api_key_limit=0)
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        answers = {client.get("/v1/alerts", headers=_auth(key)).status_code for _ in range(120)}
    app.close()
    assert answers == {200}


def test_a_rotated_key_works_until_its_grace_ends_and_its_successor_after(served):
    client, _, keys, clock = served
    answer = client.post("/v1/keys/rotate?grace_hours=2", headers=_auth(keys["acme"]))
    assert answer.status_code == 201, answer.text
    rotated = answer.json()
    assert rotated["old_key_expires_at"] == at(12).isoformat()
    assert rotated["key"].startswith(rotated["key_id"] + "_")
    clock.advance(hours=2, seconds=-1)
    assert client.get("/v1/stores/acme", headers=_auth(keys["acme"])).status_code == 404
    clock.advance(seconds=1)
    assert _error(client.get("/v1/alerts", headers=_auth(keys["acme"])), 401)
    assert client.get("/v1/stores/acme", headers=_auth(rotated["key"])).status_code == 404


def test_a_key_being_replaced_is_not_rotated_twice(served):
    client, _, keys, _ = served
    assert client.post("/v1/keys/rotate", headers=_auth(keys["acme"])).status_code == 201
    again = client.post("/v1/keys/rotate", headers=_auth(keys["acme"]))
    assert _error(again, 409)["code"] == "conflict"
    assert "being replaced already" in again.json()["error"]["message"]


def test_the_cli_rotates_a_key_with_a_grace(served, capsys):
    client, app, keys, clock = served
    key_id = "_".join(keys["bolt"].split("_")[:2])
    db = ["--db", app.settings.database_url]
    assert main(["keys", "rotate", key_id, "--grace", "90m", *db]) == 0
    said = capsys.readouterr()
    new, until = said.out.strip(), datetime.fromisoformat(said.err.split()[-1])
    clock.now = until - timedelta(seconds=1)  # the CLI ran on the real clock
    assert client.get("/v1/alerts", headers=_auth(keys["bolt"])).status_code == 200
    clock.now = until + timedelta(seconds=1)  # (it is printed to the second)
    assert client.get("/v1/alerts", headers=_auth(keys["bolt"])).status_code == 401
    assert client.get("/v1/alerts", headers=_auth(new)).status_code == 200
    assert main(["keys", "rotate", key_id, *db]) == 2  # it is past its end: no such key


@pytest.mark.parametrize("grace", ["24", "1w", "-1h", "h"])
def test_the_cli_refuses_a_grace_that_is_no_length_of_time(grace, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["keys", "rotate", "tdk_0123456789ab", f"--grace={grace}", "--db", str(tmp_path)])
    assert stopped.value.code == 2
    assert "not a length of time" in capsys.readouterr().err


def test_healthz_and_readyz_answer_when_all_is_well(served):
    client, *_ = served
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}


def test_readyz_names_a_schema_behind_the_code(served):
    client, app, *_ = served
    with app.db.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    try:
        error = _error(client.get("/readyz"), 503)
    finally:  # the run's PostgreSQL database serves the next tests
        with app.db.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert error["code"] == "not_ready"
    assert error["checks"]["database"] == "ok"
    assert error["checks"]["schema"].startswith("at revision 0005, the code needs ")


def _unreachable(db_url: str, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if "://" in db_url:
        return "postgresql://postgres@127.0.0.1:9/none"  # the discard port: nobody listens
    return str(tmp_path / "gone" / "tidings.db")  # a folder that is not there


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(served, db_url, tmp_path):
    client, app, keys, _ = served
    healthy = app.db
    app.db = make_engine(_unreachable(db_url, tmp_path))
    try:
        answer = client.post("/v1/events", json=store(), headers=_auth(keys["acme"]))
        assert _error(answer, 503)["code"] == "unavailable"
        assert answer.headers["Retry-After"] == "5"
        ready = _error(client.get("/readyz"), 503)
        assert ready["checks"]["database"] == "cannot be reached (OperationalError)"
        assert client.get("/healthz").status_code == 200  # alive: a restart would not help
    finally:
        app.db.dispose()
        app.db = healthy
    assert client.post("/v1/events", json=store(), headers=_auth(keys["acme"])).status_code == 200


def test_every_domain_error_the_api_can_meet_has_one_status():
    reaching_the_api = {
        errors.InvalidEvent: 422,
        errors.NaiveDatetime: 422,
        errors.UnknownStore: 404,
        errors.InvalidTarget: 422,
        errors.InvalidPeriod: 422,
        errors.Conflict: 409,
    }
    assert {kind: status for kind, (status, _) in DOMAIN.items()} == reaching_the_api


def test_a_domain_error_from_any_route_is_answered_as_mapped(served):
    client, _, keys, _ = served
    unknown = client.get("/v1/stores/acme/score", headers=_auth(keys["acme"]))
    assert _error(unknown, 404) == {"code": "not_found", "message": "unknown store 'acme'"}
    bad = client.put("/v1/stores/acme/score/targets", json={"x": "1"}, headers=_auth(keys["acme"]))
    assert _error(bad, 422)["code"] == "invalid_request"


def test_the_database_errors_the_api_answers_503_are_the_drivers_outage_errors():
    from sqlalchemy.exc import InterfaceError, OperationalError

    assert set(bootstrap.DATABASE_DOWN) == {OperationalError, InterfaceError}


def test_rotating_a_key_keeps_its_store_and_label(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock)
    old = app.create_key("acme", "shop front")
    rotated = app.rotate_key(old, timedelta(hours=1))
    assert rotated is not None
    with app.unit_of_work() as uow:
        row = uow.keys.find(rotated.key.split("_")[1], clock())
    app.close()
    assert row is not None and (row.store, row.label, row.expires_at) == (
        "acme",
        "shop front",
        None,
    )
