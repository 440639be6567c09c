"""CDEK's API v2 as far as tidings asks it: an OAuth2 client-credentials token (POST
/v2/oauth/token, kept until a minute before it expires) and one order (GET /v2/orders/{uuid}).

    token_request / order_request (pure) → `CdekApi._send`, the one network call: a 429 is
    asked again after its Retry-After (bounded), a refused token is fetched anew once →
    read_token / read_order (pure)

The one rule: a push is acted on only through what CDEK answers here. An order CDEK does not
know (a forged or deleted one) is never acted on; when CDEK cannot be asked, the delivery is
kept failed with the reason, for `tidings connectors retry` to ask again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

import httpx

from tidings.adapters.connectors.cdek import order_uuid
from tidings.domain.connectors import Credentials, Delivery
from tidings.domain.errors import PlatformError

PRODUCTION: Final = "https://api.cdek.ru"
MARGIN: Final = timedelta(seconds=60)  # a token this close to its end is fetched anew
TRIES: Final = 3  # answers of 429 before CDEK counts as unreachable
LONGEST_WAIT: Final = 5.0  # seconds; a longer Retry-After is cut to this


def token_request(base: str, client_id: str, client_secret: str) -> httpx.Request:
    form = {"grant_type": "client_credentials", "client_id": client_id,
            "client_secret": client_secret}  # fmt: skip
    return httpx.Request("POST", f"{base.rstrip('/')}/v2/oauth/token", data=form)


def order_request(base: str, token: str, uuid: str) -> httpx.Request:
    url = f"{base.rstrip('/')}/v2/orders/{uuid}"  # a uuid: `order_uuid` let nothing else by
    return httpx.Request("GET", url, headers={"Authorization": f"Bearer {token}"})


def read_token(response: httpx.Response, now: datetime) -> tuple[str, datetime]:
    """The token and when it stops being used."""
    body = _json(response)
    token, life = body.get("access_token"), body.get("expires_in")
    if response.status_code != 200 or not isinstance(token, str) or not token:
        raise PlatformError(f"CDEK refused the client id and secret ({response.status_code})")
    seconds = life if isinstance(life, int | float) and life > 0 else 0
    return token, now + timedelta(seconds=seconds) - MARGIN


def read_order(response: httpx.Response, uuid: str) -> dict[str, Any] | None:
    """The order's `entity`, or None when CDEK does not know the order."""
    body = _json(response)
    entity = body.get("entity")
    if response.status_code == 200 and isinstance(entity, dict) and entity.get("uuid"):
        return entity
    if response.status_code in (400, 404) or _not_found(body):
        return None
    raise PlatformError(f"CDEK answered {response.status_code} for order {uuid!r}")


def _not_found(body: dict[str, Any]) -> bool:
    errors = [e for r in body.get("requests") or [] if isinstance(r, dict)
              for e in r.get("errors") or [] if isinstance(e, dict)]  # fmt: skip
    return any("not_found" in str(e.get("code", "")) for e in errors)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class CdekApi:
    """Asks CDEK back about the orders its pushes name; tokens kept per client id."""

    def __init__(
        self,
        client: httpx.Client,
        clock: Callable[[], datetime],
        base: str = PRODUCTION,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.clock, self.base, self.sleep = client, clock, base, sleep
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()  # the hooks run in a thread pool: one token at a time

    def read_back(self, delivery: Delivery, credentials: Credentials) -> Delivery:
        """The delivery with CDEK's order (and a return's direct order) in its context, or
        why it could not be read (`unread`); a push that names no order is left as it is."""
        uuid = order_uuid(delivery.body)
        if uuid is None:
            return delivery
        client = credentials.settings
        try:
            context = self._context(uuid, client["client_id"], client["client_secret"])
        except PlatformError as exc:
            context = {"unread": f"CDEK could not be asked about order {uuid!r}: {exc}"}
        except KeyError:
            context = {"unread": "the cdek connector has no client id and secret: add it again"}
        return replace(delivery, context=context)

    def _context(self, uuid: str, client_id: str, secret: str) -> dict[str, Any]:
        order = self.order(uuid, client_id, secret)
        if order is None:
            return {"unread": f"CDEK does not know order {uuid!r}: nothing is acted on"}
        related = [r for r in order.get("related_entities") or [] if isinstance(r, dict)]
        direct = next((r.get("uuid") for r in related if r.get("type") == "direct_order"), None)
        if not order.get("is_return") or not isinstance(direct, str):
            return {"order": order}
        found = self.order(direct, client_id, secret)
        if found is None:
            return {"unread": f"CDEK does not know order {direct!r}, which {uuid!r} returns"}
        return {"order": order, "direct": found}

    def order(self, uuid: str, client_id: str, secret: str) -> dict[str, Any] | None:
        """Order `uuid` as CDEK tells it now (None: CDEK does not know it)."""
        token = self._token(client_id, secret)
        response = self._send(order_request(self.base, token, uuid))
        if response.status_code == 401:  # the token was revoked early: one more, anew
            self._tokens.pop(client_id, None)
            token = self._token(client_id, secret)
            response = self._send(order_request(self.base, token, uuid))
        return read_order(response, uuid)

    def _token(self, client_id: str, secret: str) -> str:
        with self._lock:
            now = self.clock()
            kept = self._tokens.get(client_id)
            if kept is not None and now < kept[1]:
                return kept[0]
            answer = self._send(token_request(self.base, client_id, secret))
            token, until = read_token(answer, now)
            self._tokens[client_id] = (token, until)
            return token

    def _send(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(1, TRIES + 1):
            try:
                response = self.client.send(request)
            except httpx.HTTPError as exc:
                raise PlatformError(f"no answer ({type(exc).__name__})") from None
            if response.status_code != 429:
                return response
            if attempt < TRIES:
                self.sleep(_retry_after(response))
        raise PlatformError(f"still rate limited (429) after {TRIES} tries")


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), LONGEST_WAIT)
