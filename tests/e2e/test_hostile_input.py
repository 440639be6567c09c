"""Hostile input at the API's edges gets a 4xx with the error body, never a 500 (issue item 6)."""

from __future__ import annotations

import base64
import io
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes_providers import ScriptedProvider
from helpers import Clock, at, checkpoint, customer, lines, live, order, rounds, shipped, store
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.cli import main

DEEP = "[" * 100_000  # 100 KB of nesting: deeper than any parser's recursion


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    """The live app, its test client answering 500s instead of raising them."""
    clock, provider = Clock(at(10)), ScriptedProvider("twilio")
    conf = {"twilio": {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1",
                       "auth_token": "tok"}}  # fmt: skip
    app = live(db_url, clock, {"twilio": provider}, providers=conf, channels={"sms": "twilio"})
    key = app.create_key("acme")
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client, app, {"Authorization": f"Bearer {key}"}
    app.close()


def _error(answer, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    error: dict = answer.json()["error"]
    return error


def test_a_deeply_nested_json_body_is_refused_as_json(api):
    client, _, acme = api
    answer = client.post("/v1/events", content=DEEP, headers=acme)
    error = _error(answer, 422)
    assert error["code"] == "invalid_json" and "nest" in error["message"]


def test_a_deeply_nested_json_line_is_refused_by_line_and_the_others_kept(api):
    client, _, acme = api
    body = "\n".join([*lines([store()]), DEEP, '{"a":' * 50_000])
    headers = {**acme, "Content-Type": "application/x-ndjson"}
    answer = client.post("/v1/events", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected"]
    assert results[1]["error"].startswith("line 2: ") and "nest" in results[1]["error"]
    assert results[2]["error"].startswith("line 3: ") and "nest" in results[2]["error"]


def _replay(tmp_path: Path, events: list[str], name: str, capsys) -> tuple[int, list[str], str]:  # type: ignore[no-untyped-def]
    source = tmp_path / name
    source.write_text("\n".join(events) + "\n", encoding="utf-8")
    out = tmp_path / f"{name}.out"
    code = main(["replay", str(source), "--out", str(out)])
    return code, out.read_text(encoding="utf-8").splitlines(), capsys.readouterr().err


def test_a_replay_reports_deeply_nested_lines_like_any_bad_line_and_goes_on(tmp_path, capsys):
    day = lines([store(), customer("c1"), order("o1", at(10)), shipped("o1", "s1", at(11))])
    _, clean, _ = _replay(tmp_path, day, "clean.jsonl", capsys)
    brackets = json.dumps(customer("c2", name="[{" * 100))  # text, not nesting: a good line
    inside = json.dumps(customer("c3") | {"more": json.loads("[" * 80 + "]" * 80)})
    hostile = [*day[:2], DEEP, brackets, *day[2:], inside, '{"a":' * 50_000]
    code, rows, err = _replay(tmp_path, hostile, "hostile.jsonl", capsys)
    assert code == 1 and rows == clean and clean
    assert "tidings: line 3: nested deeper than 64 arrays and objects (char 64)" in err
    assert "line 4" not in err
    assert "tidings: line 7: nested deeper than 64 arrays and objects" in err
    assert "tidings: line 8: nested deeper than 64 arrays and objects (char 320)" in err
    assert err.count("tidings: line") == 3


def test_a_replay_from_standard_input_reports_them_too(tmp_path, capsys, monkeypatch):
    day = lines([store(), customer("c1"), order("o1", at(10))])
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join([day[0], DEEP, *day[1:]]) + "\n"))
    out = tmp_path / "stdin.out"
    assert main(["replay", "-", "--out", str(out)]) == 1
    assert out.read_text(encoding="utf-8")
    assert "tidings: line 2: nested deeper than 64" in capsys.readouterr().err


def test_a_tracking_key_or_unsubscribe_token_out_of_ascii_opens_nothing(api):
    client, _, _ = api
    assert client.get("/t/acme/s1", params={"k": "ключ"}).status_code == 404
    assert client.get("/t/acme/ключ", params={"k": "ключ"}).status_code == 404
    assert client.post("/u/сообщение.ключ").status_code == 404
    assert client.post("/u/m1.%F0%9F%98%80").status_code == 404


def test_a_signed_webhook_naming_no_store_that_can_be_is_not_believed(api):
    """The URL's store is not read at all (the provider's reference finds the message), so a
    store that cannot be is no 500: the receipt waits for its reference like any other."""
    client, app, _ = api
    path = "/v1/providers/twilio/status?store=BAD!&message_id=m1"
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    answer = client.post(path, data=form, headers=_signed(app, path, form))
    assert answer.status_code == 204


def _signed(app, path: str, form: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tidings.adapters.providers.http_sms import signature

    return {"X-Twilio-Signature": signature("tok", app.settings.public_url + path, form)}


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("score", {"at": "9999-12-31T00:00:00+00:00"}, "at"),
        ("score", {"at": "0001-01-01T00:00:00+00:00"}, "at"),
        ("score", {"at": "9999-12-31T23:00:00-05:00"}, "at"),
        ("report", {"from": "0001-01-01", "to": "9999-12-31"}, "from"),
        ("report", {"from": "2026-11-12", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_time_out_of_range_is_refused_naming_the_parameter(api, path, params, name):
    client, app, acme = api
    client.post("/v1/events", json=[store()], headers=acme)
    rounds(app)
    answer = client.get(f"/v1/stores/acme/{path}", params=params, headers=acme)
    error = _error(answer, 422)
    assert error["message"].startswith(f"{name}: "), error


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--at", "9999-12-31T00:00:00+00:00"],
        ["report", "--from", "0001-01-01", "--to", "2026-11-12"],
        ["report", "--from", "2026-11-12", "--to", "9999-12-31"],
    ],
)
def test_the_commands_refuse_a_time_out_of_range_as_a_bad_argument(api, args, capsys):
    client, app, acme = api
    client.post("/v1/events", json=[store()], headers=acme)
    rounds(app)
    with pytest.raises(SystemExit) as stopped:
        main([args[0], "--store", "acme", *args[1:], "--db", app.settings.database_url])
    assert stopped.value.code == 2
    assert "is not between 1970-01-01 and 9998-12-31" in capsys.readouterr().err


def test_a_cursor_of_deep_json_is_no_cursor(api):
    client, _, acme = api
    cursor = base64.urlsafe_b64encode(b"[" * 5_000).decode()
    answer = client.get("/v1/messages", params={"cursor": cursor}, headers=acme)
    assert _error(answer, 422)["code"] == "invalid_cursor"


def _far(day: str) -> list[dict]:
    """Events whose times fall at `day` (UTC 20:00), each kind of time once."""
    when = datetime.fromisoformat(f"{day}T20:00:00+00:00")
    pickup = {"point": "菜鸟驿站", "storage_until": when.isoformat()}
    return [
        order("o8", when),
        order("o9", at(10))
        | {"data": order("o9", at(10))["data"] | {"auto_close_at": when.isoformat()}},
        checkpoint("s1", "available_for_pickup", at(10), order_id="o1", pickup=pickup),
    ]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31"])
def test_a_replay_refuses_times_off_the_years_it_reckons_with_as_bad_lines(tmp_path, capsys, day):
    day_lines = lines([store(), customer("c1"), order("o1", at(10))])
    _, clean, _ = _replay(tmp_path, day_lines, "clean.jsonl", capsys)
    code, rows, err = _replay(tmp_path, [*day_lines, *lines(_far(day))], "far.jsonl", capsys)
    assert code == 1 and rows == clean
    assert (
        "line 4, event 'e" in err
        and "field occurred_at: must be between 1970-01-01 and 9998-12-31" in err
    )
    assert "line 5, event 'e" in err and "field data.auto_close_at: must be between" in err
    assert "line 6, event 'e" in err and "field data.pickup.storage_until: must be between" in err


def test_times_at_the_years_ends_are_taken_and_run(tmp_path, capsys):
    for first in ("1970-01-01T00:00:00+00:00", "9998-12-31T23:00:00+00:00"):
        when = datetime.fromisoformat(first)
        events = [
            store(when),
            customer("c1", when=when),
            order("o1", when),
            shipped("o1", "s1", when),
        ]
        code, _, err = _replay(tmp_path, lines(events), "ends.jsonl", capsys)
        assert code == 0, err


def test_the_api_refuses_them_by_item(api):
    client, _, acme = api
    answer = client.post("/v1/events", json=[store(), *_far("9999-12-31")], headers=acme)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected"]
    assert "occurred_at: must be between 1970-01-01 and 9998-12-31" in results[1]["error"]
