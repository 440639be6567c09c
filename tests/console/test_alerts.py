"""Alerts: listed by state, acknowledged by staff, resolved by the owner, each form checked."""

from __future__ import annotations

from console.html_tree import parse


def _states(console, store: str = "acme") -> list[str]:
    with console.app.unit_of_work() as uow:
        return [a.state for a, _ in uow.read.alerts(store, None, 10)]


def _open_alert(console) -> str:
    with console.app.unit_of_work() as uow:
        ((alert, _),) = uow.read.alerts("acme", "open", 10)
    return alert.message_id


def test_staff_acknowledge_an_open_alert_from_the_list(console):
    console.sign_in("staff@acme.example")
    page = console.get("/console/acme/alerts?state=open", lang="zh-CN")
    (row,) = page.select("#rows tr.alert")
    assert row.one(".kind").text == "配送异常" and row.one(".state").text == "待处理"
    assert row.one(".kind").attrs["data-kind"] == "exception"
    assert row.texts("button") == ["确认"]  # staff do not resolve
    alert = _open_alert(console)
    done = console.post(f"/console/acme/alerts/{alert}/acknowledge", {"csrf": console.csrf(page)})
    assert done.headers["location"] == "/console/acme/alerts"
    assert _states(console) == ["acknowledged"]
    assert console.get("/console/acme/alerts?state=open").select("#rows tr.alert") == []


def test_only_the_owner_resolves(console):
    console.sign_in("staff@acme.example")
    page = console.get("/console/acme/alerts")
    alert = _open_alert(console)
    refused = console.post(f"/console/acme/alerts/{alert}/resolve", {"csrf": console.csrf(page)},
                           status=403, lang="ru")  # fmt: skip
    assert parse(refused.text).one("#problem").text == (
        "Это может только владелец магазина; ничего не изменено."
    )
    assert _states(console) == ["open"]
    console.client.cookies.clear()
    console.sign_in("owner@acme.example")
    page = console.get("/console/acme/alerts")
    console.post(f"/console/acme/alerts/{alert}/resolve", {"csrf": console.csrf(page)})
    assert _states(console) == ["resolved"]


def test_a_missing_or_stale_csrf_token_changes_nothing(console):
    console.sign_in()
    alert = _open_alert(console)
    for form in ({}, {"csrf": "a" * 43}):
        refused = console.post(f"/console/acme/alerts/{alert}/acknowledge", form, status=403,
                               lang="zh-CN")  # fmt: skip
        assert parse(refused.text).one("#problem").text == (
            "表单已过期，未做任何更改。请刷新页面后重试。"
        )
    assert _states(console) == ["open"]


def test_an_unknown_alert_is_told_and_nothing_changes(console):
    console.sign_in()
    page = console.get("/console/acme/alerts")
    console.post("/console/acme/alerts/nope/acknowledge", {"csrf": console.csrf(page)}, status=404)
    assert _states(console) == ["open"]


def test_alerts_export_as_csv(console):
    console.sign_in()
    answer = console.client.get("/console/acme/alerts?format=csv")
    header, row = answer.text.splitlines()
    assert header.startswith("alert_id,kind,subject,state") and ",exception," in row
