"""The one network call of an HTTP SMS provider, and what its answer means to the dispatcher.

Each provider builds its request (pure) and reads the answer (pure, its own `parse`); between
them `exchange` is the only I/O: no answer in time, or no connection, is `Transient`. `handed`
returns an acceptance (logged here) or raises the provider's refusal, which the dispatcher
records and logs, once; `answer_object` reads an answer's JSON object; `preview` quotes an
answer it could not read. `pushed` and
`required` read the items of a provider's JSON push. `HttpSender` is what every HTTP provider
class shares: its client, the one exchange of a send, no polling, and its closing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply, mask
from tidings.domain.errors import InvalidEvent, ProviderError, Transient

log = logging.getLogger("tidings.adapters.providers")
Parse = Callable[[int, bytes], Accepted | ProviderError]


def exchange(
    client: httpx.Client, method: str, url: str, timeout: float, parse: Parse, **request: Any
) -> Accepted | ProviderError:
    """Send one request; the answer as `parse` reads it, or why none came."""
    try:
        response = client.request(method, url, timeout=timeout, **request)
    except httpx.TimeoutException as exc:
        return Transient(f"no answer within {timeout} s ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Transient(f"{type(exc).__name__}: {scrub(str(exc))}")
    return parse(response.status_code, response.content)


def preview(body: bytes, limit: int = 80) -> str:
    """The start of an answer tidings could not read, for the error: scrubbed, quoted."""
    text = body[:limit].decode("utf-8", errors="replace")
    return scrub(repr(text + ("…" if len(body) > limit else "")))


def answer_object(body: bytes) -> dict[str, Any] | None:
    """An answer as a JSON object; None for anything else (an HTML error page, a list)."""
    try:
        found = json.loads(body)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def handed(provider: str, out: Outgoing, result: Accepted | ProviderError) -> Accepted:
    """The acceptance of `out`, or its refusal raised (the dispatcher logs refusals)."""
    if isinstance(result, ProviderError):
        raise result
    log.info("%s: %s to %s accepted as %s", provider, out.message_id, mask(out.to), result.refs)
    return result


def pushed(items: Any, what: str) -> list[Mapping[str, Any]]:
    """The objects of a push (`what`, e.g. "an SmsReport"): one, or a JSON array of them."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidEvent(f"{what} push is a JSON array of objects", field="body")
    return items


def required(item: Mapping[str, Any], key: str, what: str) -> str:
    """A pushed item's `key`, refused by name when it is missing or blank."""
    value = str(item.get(key) or "").strip()
    if not value:
        raise InvalidEvent(f"{what} without {key}", field=key)
    return value


class HttpSender:
    """The part of an HTTP SMS provider that is the same in each: a client of its own (closed
    with it) or one given, a send as one `exchange` whose answer is `handed` on, and nothing
    to poll (receipts and replies come by push, or through the platform as events)."""

    name: str
    timeout: float

    def _connect(self, client: httpx.Client | None, timeout: float) -> None:
        self.timeout = timeout
        self._owns_client = client is None
        self._client = httpx.Client(timeout=timeout) if client is None else client

    def _hand(self, out: Outgoing, method: str, url: str, parse: Parse, **request: Any) -> Accepted:
        """Send `out`'s request; its acceptance, or the provider's refusal raised."""
        return handed(self.name, out, exchange(self._client, method, url, self.timeout, parse,
                                               **request))  # fmt: skip

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None:
        """Nothing to poll: receipts and replies come by push (a relayed buyer's as events)."""

    def close(self) -> None:
        """Close the HTTP client if this provider made it; an injected one is its owner's."""
        if self._owns_client:
            self._client.close()
