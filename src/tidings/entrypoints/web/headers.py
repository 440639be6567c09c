"""What every response tells the browser, and what the pages tell it more: their one rule is
that a page shows what tidings serves from its own origin and nothing else.

Every response: `X-Content-Type-Options: nosniff` (a JSON body is never run as a script).
The shoppers' pages (`/t/` a parcel, `/u/` an unsubscribe, `/l/` a short link) and the
console add a Content-Security-Policy (no script, no inline style, styles from tidings' own
static files, forms only back to it, no framing), `Referrer-Policy: no-referrer` (their URLs
carry keys and tokens: no other site learns them) and `Cache-Control: no-store` (a pickup code
or a token stays out of shared and back-button caches).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]

SHOPPER_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CONSOLE_POLICY = (  # its htmx and Chart.js are static files of its own, like its styles
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
POLICIES: dict[str, str] = {
    "/t/": SHOPPER_POLICY,
    "/u/": SHOPPER_POLICY,
    "/l/": SHOPPER_POLICY,
    "/console": CONSOLE_POLICY,
}
EVERY: Headers = [(b"x-content-type-options", b"nosniff")]


def headers_for(path: str) -> Headers:
    """The headers a response to `path` carries beyond its own."""
    policy = next((p for prefix, p in POLICIES.items() if path.startswith(prefix)), None)
    if policy is None:
        return EVERY
    return [
        *EVERY,
        (b"content-security-policy", policy.encode()),
        (b"referrer-policy", b"no-referrer"),
        (b"cache-control", b"no-store"),
    ]


class SecurityHeaders:
    """Sets `headers_for` the request's path on its response, over any the route set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])
        names = {name for name, _ in extra}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, sending)
