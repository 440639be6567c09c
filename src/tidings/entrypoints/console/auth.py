"""Who is asking: the signed session cookie, the user's store and role, the form's CSRF token.

The cookie holds `<session id>.<expiry>.<HMAC of both>`: the HMAC (a key derived from the
installation's secret) refuses a forged or altered cookie before the database is asked, and
the session row decides the rest (signed out, user removed, expired).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from tidings import bootstrap
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.guard import Refusal
from tidings.services import people, queries_console

COOKIE = "tidings_console"
LOGIN_CSRF = "tidings_login_csrf"


def _key(app: bootstrap.App) -> bytes:
    return hmac.new(app.settings.link_secret.encode(), b"console session", "sha256").digest()


def _sign(app: bootstrap.App, text: str) -> str:
    digest = hmac.new(_key(app), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def set_session(response: Response, app: bootstrap.App, session_id: str, at: datetime) -> None:
    expires = int((at + people.SESSION_LIFE).timestamp())
    text = f"{session_id}.{expires}"
    response.set_cookie(
        COOKIE, f"{text}.{_sign(app, text)}", max_age=int(people.SESSION_LIFE.total_seconds()),
        path="/console", httponly=True, samesite="lax", secure=secure(app),
    )  # fmt: skip


def secure(app: bootstrap.App) -> bool:
    return app.settings.public_url.lower().startswith("https://")


def session_id(app: bootstrap.App, request: Request) -> str | None:
    """The session id of a cookie this installation signed and that has not expired."""
    sid, _, rest = request.cookies.get(COOKIE, "").partition(".")
    expires, _, signature = rest.partition(".")
    if not (sid and expires.isdigit() and signature):
        return None
    if not hmac.compare_digest(signature, _sign(app, f"{sid}.{expires}")):
        return None
    return sid if int(expires) > app.clock().astimezone(UTC).timestamp() else None


def signed_in(request: Request, app: App) -> people.Session:
    """The session of the request; a refusal that sends to the sign-in page without one."""
    sid = session_id(app, request)
    found = None
    if sid is not None:
        with app.console_unit_of_work() as uow:
            found = people.session_of(uow, sid, app.clock())
    if found is None:
        raise Refusal(401, "expired" if COOKIE in request.cookies else "signed_out")
    return found


Seller = Annotated[people.Session, Depends(signed_in)]


def own_store(store_id: str, request: Request, app: App, seller: Seller) -> people.Session:
    """A user sees nothing of another store: its pages do not exist for them (404)."""
    if store_id != seller.store_id:
        raise Refusal(404, "not_found")
    request.state.store_locale = queries_console.store_locale(app.console_unit_of_work(), store_id)
    return seller


SellerStore = Annotated[people.Session, Depends(own_store)]


def checked_form(seller: SellerStore, csrf: Annotated[str, Form()] = "") -> people.Session:
    """A form of this session's pages: its token must be the session's own."""
    if not hmac.compare_digest(csrf.encode(), seller.csrf.encode()):
        raise Refusal(403, "stale_form")
    return seller


SellerForm = Annotated[people.Session, Depends(checked_form)]


def owner_form(seller: SellerForm) -> people.Session:
    if seller.role != "owner":
        raise Refusal(403, "owner_only")
    return seller


OwnerForm = Annotated[people.Session, Depends(owner_form)]


def login_token(request: Request) -> str:
    """The sign-in form's CSRF token: the cookie's, or a new one."""
    return request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(32)
