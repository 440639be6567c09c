"""The console behind one fixture: a live app over each database with a demo day of two
stores, their users, and a test client whose every page is checked (status, <html lang>,
title, a CSRF field in each POST form, no untranslated words)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.html_tree import Node, parse
from helpers import Clock, at, checkpoint, customer, live, order, paid, post, rounds, shipped, store
from tidings import bootstrap
from tidings.adapters.passwords import Argon2Passwords
from tidings.entrypoints.api.app import create_app
from tidings.services import people

PASSWORD = "correct horse battery"
USERS = {"owner@acme.example": ("acme", "owner"), "staff@acme.example": ("acme", "staff"),
         "owner@bolt.example": ("bolt", "owner")}  # fmt: skip
CHEAP = Argon2Passwords(time_cost=1, memory_cost=64, parallelism=1)  # the real cost: test_users
LATIN = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"CSV", "YYYY", "MM", "DD"}  # written so in every language


def demo_day() -> list[dict[str, Any]]:
    """acme: four orders (two paid after their reminder, one never paid, one shipped and held
    up), a customer with a phone; bolt: a store of its own with a held-up parcel."""
    acme = [store(), customer(name="王芳"), order("o1", at(9), status="paid"),
            shipped("o1", "s1", at(9, 10)),
            checkpoint("s1", "exception", at(9, 20), order_id="o1", substatus="damaged"),
            order("o2", at(1)), paid("o2", at(1, 45)), order("o3", at(2)), paid("o3", at(2, 40)),
            order("o4", at(3))]  # fmt: skip
    bolt = [{**e, "store": "bolt", "id": f"bolt-{e['id']}"} for e in acme[:5]]
    return acme + bolt


@dataclass
class Console:
    client: TestClient
    app: bootstrap.App
    clock: Clock

    def sign_in(self, email: str = "owner@acme.example", password: str = PASSWORD) -> Any:
        self.client.get("/console/login")
        token = self.client.cookies.get("tidings_login_csrf")
        form = {"email": email, "password": password, "csrf": token}
        return self.client.post("/console/login", data=form, follow_redirects=False)

    def get(self, path: str, lang: str = "en", status: int = 200, **headers: str) -> Node:
        """The page at `path` in `lang` (as the browser's language), checked."""
        response = self.client.get(path, headers={"Accept-Language": lang, **headers})
        assert response.status_code == status, response.text[:500]
        return checked(response.text, lang)

    def post(self, path: str, form: dict[str, str], status: int = 303, lang: str = "en") -> Any:
        response = self.client.post(
            path, data=form, headers={"Accept-Language": lang}, follow_redirects=False
        )
        assert response.status_code == status, response.text[:500]
        if status != 303:
            checked(response.text, lang)
        return response

    def csrf(self, page: Node) -> str:
        return page.select("form input[name=csrf]")[0].attrs["value"]


def checked(html: str, lang: str) -> Node:
    page = parse(html)
    assert page.one("html").attrs["lang"] == lang
    title = page.one("title").text
    assert title.endswith("· tidings") and len(title) > len("· tidings")
    for form in page.select("form"):
        if form.attrs.get("method", "get").lower() == "post":
            (token,) = form.select("input[name=csrf]")
            assert len(token.attrs["value"]) >= 32, "a POST form without its CSRF token"
    if lang != "en":
        assert untranslated(page.one("body")) == [], "words left in English"
    return page


def untranslated(node: Node) -> list[str]:
    """Latin words in text that is not marked translate="no" (ids, journeys, codes)."""
    if node.attrs.get("translate") == "no" or node.tag in ("script", "style"):
        return []
    found = []
    for child in node.children:
        if isinstance(child, str):
            found += [w for w in LATIN.findall(child) if w not in ALLOWED_LATIN]
        else:
            found += untranslated(child)
    return found


@pytest.fixture
def console(db_url: str) -> Iterator[Console]:
    clock = Clock(at(0))
    app = live(db_url, clock)
    app.passwords = CHEAP
    post(app, demo_day())
    rounds(app)
    clock.advance(hours=10)
    rounds(app)
    with app.console_unit_of_work() as uow:
        for email, (shop, role) in USERS.items():
            people.create_user(uow, app.passwords, store=shop, email=email, role=role,
                               password=PASSWORD, at=clock())  # fmt: skip
        uow.commit()
    with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        yield Console(client, app, clock)
    app.close()
