"""The whole HTTP surface fuzzed from its own OpenAPI document (schemathesis; the driver is
tests/fuzzing.py): the API, the providers' webhooks (signed, so they get past the signature)
and the shoppers' pages. No server error, no status the document does not list, no body that
breaks its schema, on both databases. A bounded number of cases here, the same every run;
`bench/fuzz.py` runs many more, on a new seed each time."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("schemathesis", reason="schemathesis is in the `test` extras")
from fuzzing import MODES, fuzz, fuzzed_app, operations

CASES = 8  # per operation, mode (valid, invalid) and database: at most 21 x 2 x 2 x 8 = 672
OPERATIONS = 31  # every route of the document: the API, the webhooks, the shoppers' pages


def test_every_route_answers_generated_requests_as_its_document_says(db_url):
    ran = dict.fromkeys(MODES, 0)
    with fuzzed_app(db_url) as (api, keys):
        found = operations(api)
        assert len(found) == OPERATIONS  # a new route is fuzzed too, or this says so
        for operation in found:
            for mode in MODES:
                ran[mode] += fuzz(operation, mode, keys, CASES, None)
    assert ran[MODES[0]] >= OPERATIONS * 2
    assert ran[MODES[1]] >= OPERATIONS
