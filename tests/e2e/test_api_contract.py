"""What the fuzzer found, each kept as a sentence: the OpenAPI document lists every status a
route answers, with the error body; a body that is no JSON, a NUL character, a time given as
a number are the request's fault (422), never a 400 the document does not list or a 500 from
PostgreSQL (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from helpers import Clock, at, live
from tidings.adapters.providers.http_sms import signature
from tidings.entrypoints.api.app import create_app

PUBLIC = "http://127.0.0.1:8000"
SMS = {"sms": {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1",
               "auth_token": "tok"}}  # fmt: skip


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    app = live(db_url, Clock(at(10)), providers=SMS, public_url=PUBLIC)
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        yield client, {"X-Api-Key": key}
    app.close()


def _error(answer, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    return answer.json()["error"]  # type: ignore[no-any-return]


def test_every_route_documents_the_errors_it_can_answer(api):
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    keyed = {"401", "413", "422", "429", "503"}
    body = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            listed = set(operation["responses"])
            assert {"413", "422", "503"} <= listed, (method, path)
            if path.startswith("/v1/") and not path.startswith("/v1/providers/"):
                assert keyed <= listed, (method, path)
                assert operation["security"], (method, path)
            schema = operation["responses"]["503"]["content"]["application/json"]["schema"]
            assert schema == body, (method, path)
    assert {"/healthz", "/readyz", "/l/{token}", "/t/{store}/{shipment}", "/u/{token}"} <= set(
        paths
    )
    assert "409" in paths["/v1/keys/rotate"]["post"]["responses"]
    assert "403" in paths["/v1/stores/{store_id}"]["get"]["responses"]


def test_a_body_that_is_no_json_is_a_422_not_an_undocumented_400(api):
    client, key = api
    answer = client.put(
        "/v1/stores/acme/score/targets",
        content=b"i\x03~lF\x18\xff0",  # not even UTF-8
        headers=key | {"Content-Type": "application/json"},
    )
    assert _error(answer, 422)["code"] == "invalid_json"


@pytest.mark.parametrize("query", ["customer=%00", "journey=a%00b", "reason=%00"])
def test_a_nul_in_a_query_is_refused_before_the_database_sees_it(api, query):
    client, key = api
    assert _error(client.get(f"/v1/messages?{query}", headers=key), 422)["code"] == (
        "invalid_request"
    )


def test_a_nul_in_a_path_is_refused(api):
    client, key = api
    assert _error(client.get("/v1/customers/c%001", headers=key), 422)


def test_a_signed_webhook_with_a_nul_is_refused_not_a_server_error(api):
    client, _ = api
    form = {"From": "+8613800138000", "Body": "STOP\x00", "MessageSid": "SM1"}
    url = f"{PUBLIC}/v1/providers/sms/inbound"
    signed = {"X-Twilio-Signature": signature("tok", url, form)}
    answer = client.post("/v1/providers/sms/inbound", data=form, headers=signed)
    assert _error(answer, 422)["message"] == "the form holds a NUL character"


@pytest.mark.parametrize(
    "query",
    ["to=-596", "from=1700000000", "to=1.5e9"],
)
def test_a_time_given_as_a_number_is_refused(api, query):
    client, key = api
    error = _error(client.get(f"/v1/messages?{query}", headers=key), 422)
    assert "RFC 3339" in error["message"]


def test_a_day_given_as_a_number_is_refused(api):
    client, key = api
    answer = client.get("/v1/stores/acme/report?from=0&to=2026-11-12", headers=key)
    assert "RFC 3339" in _error(answer, 422)["message"]


@pytest.mark.parametrize(
    "query", ["grace_hours=%7D&grace_hours=0.25", "grace_hours=1&grace_hours=2"]
)
def test_a_parameter_given_twice_is_refused_not_guessed(api, query):
    client, key = api
    answer = client.post(f"/v1/keys/rotate?{query}", headers=key)
    assert _error(answer, 422)["message"] == "a parameter given more than once: grace_hours"
    assert client.get("/v1/alerts", headers=key).status_code == 200  # the key was not rotated
