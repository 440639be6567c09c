"""The fuzzer's driver, shared by tests/e2e/test_api_fuzz.py (a few cases) and bench/fuzz.py
(many): every operation of the app's own OpenAPI document, with valid and invalid requests
made by schemathesis, each checked for no server error, a documented status, a body and
content type that match the document, a refusal of invalid data and of missing credentials.

Keyed routes get the store's key; the webhooks a good signature, so the fuzz gets past it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from helpers import Clock, at, customer, live, post, rounds, store
from tidings.adapters.providers.http_sms import signature
from tidings.entrypoints.api.app import create_app

# An event is "an object" to the document; the contract (spec/events.md) is the route's to
# check, so a made-up object is refused with 422 though the document allows it.
LOOSE = [positive_data_acceptance]
TOKEN = "tok-fuzz"
PUBLIC = "http://127.0.0.1:8000"
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


Keys = Callable[[str], str]  # the key to send to a path


@contextmanager
def fuzzed_app(db_url: str) -> Iterator[tuple[FastAPI, Keys]]:
    """A live app with a store, a customer and an HTTP SMS provider whose webhooks we sign;
    no rate limit (the test's clock stands still). Each rotation gets a key of its own, so a
    rotated key does not shut the other routes out."""
    conf = {"sms": {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1",
                    "auth_token": TOKEN}}  # fmt: skip
    app = live(db_url, Clock(at(10)), providers=conf, api_key_limit=0, public_url=PUBLIC)
    try:
        post(app, [store(), customer(when=at(9))])
        rounds(app)
        key = app.create_key("acme")
        yield create_app(app), lambda path: app.create_key("acme") if "rotate" in path else key
    finally:
        app.close()


def operations(api: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation: Any, mode: GenerationMode, keys: Keys, cases: int, seed: int | None) -> int:
    """Up to `cases` generated requests against `operation`; how many ran. A failure raises
    with schemathesis' account of it and a curl line that repeats it."""
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=seed is None,  # the suite's: the same cases every run
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        nonlocal ran
        headers = _credentials(case, keys)
        case.call_and_validate(headers=headers, allow_redirects=False, excluded_checks=LOOSE)
        ran += 1

    if seed is not None:
        run = hypothesis.seed(seed)(run)
    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: a route without parameters or body
        assert mode == GenerationMode.NEGATIVE
    return ran


def _credentials(case: Any, keys: Keys) -> dict[str, str]:
    """The store's key on keyed routes (in place of made-up ones); a good signature on the
    webhooks, for the form as it will be sent."""
    path: str = case.operation.path
    if path.startswith("/v1/providers/"):
        case.path_parameters["name"] = "sms"
        form = {k: str(v) for k, v in case.body.items()} if isinstance(case.body, dict) else {}
        return {"X-Twilio-Signature": signature(TOKEN, PUBLIC + case.formatted_path, form)}
    if path.startswith("/v1/"):
        for name in [h for h in case.headers or {} if h.lower() in ("authorization", "x-api-key")]:
            del case.headers[name]
        return {"X-Api-Key": keys(path)}
    return {}
