"""The console's people: `tidings users`, hashed passwords, sessions, slowed guessing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpers import Clock, at, live
from tidings.adapters.db import tables as t
from tidings.entrypoints.cli import main
from tidings.services import people

PASSWORD = "correct horse battery"


def _create(db: str, email: str, *more: str) -> list[str]:
    return ["users", "create", "--store", "acme", "--email", email, "--db", db, *more]


def test_users_are_created_listed_and_removed_through_the_cli(db_url, capsys, monkeypatch):
    assert main(_create(db_url, "Owner@Acme.example", "--role", "owner")) == 0
    generated = capsys.readouterr().out.strip()  # printed once, on standard output
    assert len(generated) >= 20
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(_create(db_url, "ann@acme.example", "--password-stdin")) == 0
    assert capsys.readouterr().out == ""  # a given password is not echoed
    assert main(["users", "list", "--db", db_url]) == 0
    listed = [line.split("\t")[:3] for line in capsys.readouterr().out.splitlines()]
    assert listed == [
        ["acme", "ann@acme.example", "staff"],
        ["acme", "owner@acme.example", "owner"],
    ]
    assert (
        main(["users", "remove", "--store", "acme", "--email", "ann@acme.example", "--db", db_url])
        == 0
    )
    assert main(["users", "list", "--db", db_url]) == 0
    assert "ann@" not in capsys.readouterr().out


def test_a_second_user_with_the_same_email_is_refused(db_url, capsys):
    assert main(_create(db_url, "ann@acme.example")) == 0
    assert main(_create(db_url, "ANN@acme.example")) == 2
    assert "already has a user" in capsys.readouterr().err


def test_a_password_is_kept_only_as_its_argon2id_hash(db_url, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(_create(db_url, "ann@acme.example", "--password-stdin")) == 0
    app = live(db_url, Clock(at(10)))
    with app.db.connect() as conn:
        (kept,) = conn.execute(select(t.console_users.c.password_hash)).scalars()
    app.close()
    assert kept.startswith("$argon2id$") and PASSWORD not in kept


def _app_with_ann(db_url: str) -> tuple[object, Clock]:
    clock = Clock(at(10))
    app = live(db_url, clock)
    with app.console_unit_of_work() as uow:
        people.create_user(
            uow, app.passwords, store="acme", email="ann@acme.example", role="staff",
            password=PASSWORD, at=clock(),
        )  # fmt: skip
        uow.commit()
    return app, clock


def _try(app, clock, password: str, email: str = "ann@acme.example", client: str = "10.0.0.1"):
    with app.console_unit_of_work() as uow:
        result = people.sign_in(
            uow, app.passwords, email=email, password=password, client=client, at=clock()
        )
        uow.commit()
    return result


def test_repeated_failures_block_the_email_longer_each_time(db_url):
    app, clock = _app_with_ann(db_url)
    for n in range(people.FREE_FAILURES):
        assert _try(app, clock, f"wrong {n}", client=f"10.0.0.{n}") == people.SignIn()
    # the fifth failure blocked the email for 30 s: even the right password is not tried
    assert _try(app, clock, PASSWORD, client="10.9.9.9").wait == timedelta(seconds=30)
    clock.advance(seconds=31)
    assert _try(app, clock, "wrong again", client="10.9.9.9") == people.SignIn()
    assert _try(app, clock, PASSWORD, client="10.9.9.9").wait == timedelta(seconds=60)
    clock.advance(seconds=61)
    assert _try(app, clock, PASSWORD, client="10.9.9.9").session_id is not None
    # success clears the count: one more failure blocks nothing
    assert _try(app, clock, "wrong", client="10.9.9.9") == people.SignIn()
    assert _try(app, clock, PASSWORD, client="10.9.9.9").session_id is not None
    app.close()


def test_repeated_failures_from_one_client_block_it_whatever_the_email(db_url):
    app, clock = _app_with_ann(db_url)
    for n in range(people.FREE_FAILURES):
        assert _try(app, clock, PASSWORD, email=f"guess{n}@acme.example") == people.SignIn()
    assert _try(app, clock, PASSWORD).wait == timedelta(seconds=30)
    assert _try(app, clock, PASSWORD, client="10.0.0.2").session_id is not None
    app.close()


def test_failures_far_apart_are_not_counted_together(db_url):
    app, clock = _app_with_ann(db_url)
    for n in range(people.FREE_FAILURES * 2):
        assert _try(app, clock, f"wrong {n}").wait is None
        clock.advance(minutes=16)
    assert _try(app, clock, PASSWORD).session_id is not None
    app.close()


@pytest.mark.parametrize("end", ["sign_out", "remove", "expire"])
def test_a_session_ends_on_sign_out_removal_and_expiry(db_url, end):
    app, clock = _app_with_ann(db_url)
    session_id = _try(app, clock, PASSWORD).session_id
    with app.console_unit_of_work() as uow:
        session = people.session_of(uow, session_id, clock())
    assert (session.store_id, session.email, session.role) == ("acme", "ann@acme.example", "staff")
    with app.console_unit_of_work() as uow:
        if end == "sign_out":
            people.sign_out(uow, session_id)
        elif end == "remove":
            uow.people.remove_user("acme", "ann@acme.example")
        uow.commit()
    if end == "expire":
        clock.advance(hours=12)
    with app.console_unit_of_work() as uow:
        assert people.session_of(uow, session_id, clock()) is None
    app.close()
