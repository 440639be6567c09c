"""The API key in its header: `Authorization: Bearer <key>`, the scheme in any case (RFC 9110
§11.1 makes auth schemes case-insensitive), or `X-Api-Key` (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from helpers import Clock, at, live
from tidings.entrypoints.api.app import create_app


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    app = live(db_url, Clock(at(10)))
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        yield client, key
    app.close()


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_read_in_any_case(api, scheme):
    client, key = api
    answer = client.get("/v1/messages", headers={"Authorization": f"{scheme} {key}"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("header", ["bearer", "Bearer ", "bearer not-a-key", "Basic " + "x" * 8])
def test_no_key_or_a_wrong_one_is_unauthorized(api, header):
    client, _ = api
    answer = client.get("/v1/messages", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
