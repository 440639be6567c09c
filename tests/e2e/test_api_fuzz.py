"""The whole HTTP surface fuzzed from its own OpenAPI document (schemathesis): the API, the
providers' webhooks (signed, so they get past the signature) and the shoppers' pages. No
server error, no status the document does not list, no body that breaks its schema, on both
databases. A bounded number of cases here; `bench/fuzz.py` runs many more."""

from __future__ import annotations

import os
from typing import Any

import pytest

from helpers import Clock, at, customer, live, post, rounds, store
from tidings.adapters.providers.http_sms import signature
from tidings.entrypoints.api.app import create_app

if os.environ.get("CI") != "true":
    pytest.importorskip("schemathesis", reason="schemathesis is in the `test` extras")
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

CASES = 8  # per operation, mode (valid, invalid) and database: at most 21 x 2 x 2 x 8 = 672
OPERATIONS = 21
# An event is "an object" to the document; the contract (spec/events.md) is the route's to
# check, so a made-up object is refused with 422 though the document allows it.
LOOSE = [positive_data_acceptance]
TOKEN = "tok-fuzz"
PUBLIC = "http://127.0.0.1:8000"


@pytest.fixture
def fuzzed(db_url):  # type: ignore[no-untyped-def]
    """A live app with a store, a customer and an HTTP SMS provider whose webhooks we sign."""
    conf = {"sms": {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1",
                    "auth_token": TOKEN}}  # fmt: skip
    app = live(db_url, Clock(at(10)), providers=conf, api_key_limit=0, public_url=PUBLIC)
    post(app, [store(), customer(when=at(9))])
    rounds(app)
    key = app.create_key("acme")
    yield create_app(app), key
    app.close()


def test_every_route_answers_generated_requests_as_its_document_says(fuzzed):
    app, key = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == OPERATIONS  # a new route is fuzzed too, or this says so
    ran = {mode: sum(_fuzz(op, mode, key) for op in operations) for mode in GenerationMode}
    assert ran[GenerationMode.POSITIVE] >= OPERATIONS
    assert ran[GenerationMode.NEGATIVE] >= OPERATIONS / 2


def _fuzz(operation: Any, mode: GenerationMode, key: str) -> int:
    """Run up to CASES generated requests against `operation`; how many ran."""
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a failure here is one anybody can see
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        headers = _credentials(case, key)
        case.call_and_validate(headers=headers, allow_redirects=False, excluded_checks=LOOSE)
        nonlocal ran
        ran += 1

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: a route without parameters or body
        assert mode == GenerationMode.NEGATIVE
    return ran


def _credentials(case: Any, key: str) -> dict[str, str]:
    """The store's key on keyed routes; a good signature on the webhooks."""
    path: str = case.operation.path
    if path.startswith("/v1/providers/"):
        case.path_parameters["name"] = "sms"
        form = (
            {k: str(v) for k, v in (case.body or {}).items()} if isinstance(case.body, dict) else {}
        )
        url = PUBLIC + case.formatted_path
        return {"X-Twilio-Signature": signature(TOKEN, url, form)}
    if path.startswith("/v1/"):  # the store's key in place of made-up ones
        for name in [h for h in case.headers or {} if h.lower() in ("authorization", "x-api-key")]:
            del case.headers[name]
        return {"X-Api-Key": key}
    return {}
