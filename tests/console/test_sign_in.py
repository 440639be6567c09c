"""Signing in and out, sessions that end, and one store's user kept out of another store."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from console.html_tree import parse
from helpers import Clock, at, live
from tidings.adapters.db import tables as t
from tidings.entrypoints.api.app import create_app


def _sessions(console) -> int:
    with console.app.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.console_sessions)).scalar_one()


def test_the_sign_in_form_asks_for_email_and_password(console):
    page = console.get("/console/login")
    names = [i.attrs["name"] for i in page.select("form input")]
    assert names == ["csrf", "email", "password"]


def test_a_good_sign_in_goes_to_the_console_with_a_safe_cookie(console):
    answer = console.sign_in()
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # public_url is http here
    home = console.client.get("/console/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/console/acme/")


def test_the_cookies_are_secure_when_the_console_is_reached_over_https(db_url):
    app = live(db_url, Clock(at(10)), public_url="https://shop.example")
    with TestClient(create_app(app), base_url="https://shop.example") as client:
        assert "Secure" in client.get("/console/login").headers["set-cookie"]
    app.close()


def test_a_wrong_password_is_told_in_the_readers_language(console):
    answer = console.sign_in(password="not the password")
    assert answer.status_code == 401
    assert console.get("/console/login").select("#problem") == []  # a new form says nothing
    token = console.client.cookies.get("tidings_login_csrf")
    form = {"email": "owner@acme.example", "password": "nope", "csrf": token}
    wrong = console.post("/console/login", form, status=401, lang="ru")
    assert parse(wrong.text).one("#problem").text == "Неверный адрес почты или пароль."
    assert _sessions(console) == 0


def test_sign_in_without_its_csrf_token_makes_no_session(console):
    console.client.get("/console/login")
    form = {"email": "owner@acme.example", "password": "correct horse battery", "csrf": "x" * 43}
    console.post("/console/login", form, status=403, lang="zh-CN")
    assert _sessions(console) == 0


def test_repeated_failures_make_the_form_say_how_long_to_wait(console):
    for _ in range(5):
        assert console.sign_in(password="guess").status_code == 401
    console.client.get("/console/login")
    token = console.client.cookies.get("tidings_login_csrf")
    form = {"email": "owner@acme.example", "password": "correct horse battery", "csrf": token}
    answer = console.post("/console/login", form, status=429, lang="ru")
    text = parse(answer.text).one("#problem").text
    assert text == "Слишком много неудачных попыток. Повторите через 1 минуту."
    console.clock.advance(seconds=31)
    assert console.sign_in().status_code == 303


def test_an_expired_session_sends_back_to_sign_in_with_a_message(console):
    console.sign_in()
    console.get("/console/acme/")
    console.clock.advance(hours=12, seconds=1)
    answer = console.client.get("/console/acme/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/console/login?problem=expired",
    )
    page = console.get("/console/login?problem=expired", lang="zh-CN")
    assert page.one("#problem").text == "您的会话已结束，请重新登录。"


def test_a_forged_cookie_is_not_a_session(console):
    console.sign_in()
    value = console.client.cookies.get("tidings_console")
    sid, expires, signature = value.split(".")
    console.client.cookies.clear()
    console.client.cookies.set("tidings_console", f"{sid}.{int(expires) + 10**6}.{signature}",
                               path="/console")  # fmt: skip
    answer = console.client.get("/console/acme/", follow_redirects=False)
    assert answer.headers["location"] == "/console/login?problem=expired"


def test_signing_out_ends_the_session_for_good(console):
    console.sign_in()
    page = console.get("/console/acme/")
    old = console.client.cookies.get("tidings_console")
    console.post("/console/logout", {"csrf": console.csrf(page)})
    assert _sessions(console) == 0
    console.client.cookies.clear()
    console.client.cookies.set("tidings_console", old, path="/console")
    answer = console.client.get("/console/acme/", follow_redirects=False)
    assert answer.headers["location"].startswith("/console/login")


def test_a_user_of_one_store_sees_and_changes_nothing_of_another(console):
    console.sign_in()
    page = console.get("/console/acme/alerts")
    for path in ("/console/bolt/", "/console/bolt/alerts", "/console/bolt/messages",
                 "/console/bolt/journeys", "/console/bolt/alerts?format=csv"):  # fmt: skip
        console.get(path, status=404)
    with console.app.unit_of_work() as uow:
        ((bolt_alert, _),) = uow.read.alerts("bolt", "open", 10)
    form = {"csrf": console.csrf(page)}
    console.post(f"/console/bolt/alerts/{bolt_alert.message_id}/acknowledge", form, status=404)
    console.post(f"/console/acme/alerts/{bolt_alert.message_id}/acknowledge", form, status=404)
    with console.app.unit_of_work() as uow:
        assert [a.state for a, _ in uow.read.alerts("bolt", None, 10)] == ["open"]


def test_pages_need_a_session(console):
    answer = console.client.get("/console/acme/messages", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/console/login?problem=signed_out",
    )
