"""Signing in and out: the form, the session cookie, the way home."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console import auth
from tidings.entrypoints.console.guard import SIGN_IN_AGAIN, ConsoleRoute, Refusal
from tidings.entrypoints.console.web import render
from tidings.services import people

router = APIRouter(route_class=ConsoleRoute)
Field = Annotated[str, Form()]


@router.get("/login")
def login_page(request: Request, app: App, problem: str | None = None) -> Response:
    shown = problem if problem in SIGN_IN_AGAIN else None
    return _form(request, app, 200, shown)


@router.post("/login")
def login(
    request: Request, app: App, email: Field = "", password: Field = "", csrf: Field = ""
) -> Response:
    expected = request.cookies.get(auth.LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return _form(request, app, 403, "stale_form")
    client = request.client.host if request.client else "-"
    with app.console_unit_of_work() as uow:
        done = people.sign_in(uow, app.passwords, email=email, password=password,
                              client=client, at=app.clock())  # fmt: skip
        uow.commit()
    if done.session_id is None:
        return _form(request, app, 429 if done.wait else 401, "wait" if done.wait else "wrong",
                     wait=done.wait)  # fmt: skip
    response = RedirectResponse("/console/", status_code=303)
    auth.set_session(response, app, done.session_id, app.clock())
    return response


@router.post("/logout")
def logout(request: Request, app: App, seller: auth.Seller, csrf: Field = "") -> Response:
    if not hmac.compare_digest(csrf.encode(), seller.csrf.encode()):
        raise Refusal(403, "stale_form")
    sid = auth.session_id(app, request)
    with app.console_unit_of_work() as uow:
        people.sign_out(uow, sid or "")
        uow.commit()
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/console")
    return response


@router.get("/")
def start(seller: auth.Seller) -> Response:
    return RedirectResponse(f"/console/{seller.store_id}/", status_code=303)


def _form(request: Request, app: App, status: int, problem: str | None, **more: Any) -> Response:
    token = auth.login_token(request)
    response = render(request, "login.html", status=status, csrf=token, problem=problem, **more)
    response.set_cookie(auth.LOGIN_CSRF, token, path="/console", httponly=True,
                        samesite="strict", secure=auth.secure(app))  # fmt: skip
    return response
