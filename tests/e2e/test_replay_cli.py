"""`tidings replay` through its command line, as replay.md defines it."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from helpers import at, cart, customer, inbound, lines, order, paid, store
from tidings.entrypoints.cli import main

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]
FIELDS = [
    "message_id",
    "store",
    "journey",
    "step",
    "kind",
    "channel",
    "to",
    "customer_id",
    "subject",
    "status",
    "reason",
    "due_at",
    "decided_at",
    "body",
    "segments",
    "cost",
]

DAY = [
    store(),
    customer("c1", sms_consent=True),
    customer("c2", phone="+8613800138001"),
    order("o1", at(10)),
    paid("o2", at(10, 40)),
    order("o2", at(10, 5), cid="c2"),
    cart("k1", at(11)),
    cart("k2", at(20, 30), cid="c2"),
    inbound("STOP", at(22), "+8613800138001"),
    order("o3", at(23), cid="c2"),
]


def _run(
    tmp_path: Path, events: list[str], *extra: str, name: str = "events.jsonl", capsys=None
) -> tuple[int, list[dict], str]:
    source = tmp_path / name
    source.write_text("\n".join(events) + "\n", encoding="utf-8")
    out = tmp_path / f"{name}.out"
    code = main(["replay", str(source), "--out", str(out), *extra])
    err = capsys.readouterr().err if capsys else ""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return code, rows, err


def test_output_lines_have_the_fields_of_replay_md_in_decision_order(tmp_path, capsys):
    code, rows, _ = _run(tmp_path, lines(DAY), capsys=capsys)
    assert code == 0
    assert rows, "the day produces messages"
    assert all(list(r) == FIELDS for r in rows)
    keys = [(r["decided_at"], r["message_id"]) for r in rows]
    assert keys == sorted(keys)
    assert all(r["due_at"].endswith("+08:00") for r in rows)


def test_same_events_in_any_file_order_give_the_same_output(tmp_path, capsys):
    text = lines(DAY)
    _, first, _ = _run(tmp_path, text, name="a.jsonl", capsys=capsys)
    shuffled = list(text)
    random.Random(7).shuffle(shuffled)
    _, second, _ = _run(tmp_path, shuffled, name="b.jsonl", capsys=capsys)
    assert first == second


def test_a_file_read_in_one_pass_and_standard_input_in_two_give_the_same_output(
    tmp_path, capsys, monkeypatch
):
    import io

    shuffled = lines(DAY)
    random.Random(3).shuffle(shuffled)
    _, from_file, _ = _run(tmp_path, shuffled, capsys=capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(shuffled) + "\n"))
    out = tmp_path / "stdin.out"
    assert main(["replay", "-", "--out", str(out)]) == 0
    from_stdin = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert from_stdin == from_file and from_file


def test_same_output_on_postgresql(tmp_path, capsys, pg_database):
    from conftest import _empty_pg

    _, lite, _ = _run(tmp_path, lines(DAY), name="a.jsonl", capsys=capsys)
    _empty_pg(pg_database)
    _, pg, _ = _run(tmp_path, lines(DAY), "--db", pg_database, name="b.jsonl", capsys=capsys)
    assert lite == pg


def test_bad_lines_are_reported_with_line_and_field_and_the_rest_runs(tmp_path, capsys):
    bad = lines(DAY)
    naive = order("o9", at(10), id_="x1")
    naive["occurred_at"] = "2026-11-11T10:00:00"
    bad.insert(2, json.dumps(naive))
    bad.insert(4, "not json")
    bad.insert(5, json.dumps({**json.loads(bad[3]), "type": "order.teleported", "id": "x2"}))
    code, rows, err = _run(tmp_path, bad, capsys=capsys)
    assert code == 1
    assert "line 3, event 'x1'" in err and "occurred_at" in err
    assert "line 5" in err
    assert "line 6, event 'x2': field type: unknown event type 'order.teleported'" in err
    missing = json.dumps({**json.loads(bad[3]), "id": "x3", "data": {"order_id": "o7"}})
    code, _, err = _run(tmp_path, [missing], name="missing.jsonl", capsys=capsys)
    assert "line 1, event 'x3': field data.customer_id: Field required" in err
    _, good, _ = _run(tmp_path, lines(DAY), name="good.jsonl", capsys=capsys)
    assert rows == good


def test_invalid_store_override_is_a_bad_line(tmp_path, capsys):
    events = lines([store(journeys={"payment_reminder": {"delays": {"first": "soon"}}})])
    code, _, err = _run(tmp_path, events, capsys=capsys)
    assert code == 1
    assert "line 1" in err and "data.journeys.payment_reminder.delays.first" in err


def test_until_stops_the_clock(tmp_path, capsys):
    _, rows, _ = _run(tmp_path, lines(DAY), "--until", "2026-11-11T10:31:00+08:00", capsys=capsys)
    assert rows and all(r["decided_at"] <= "2026-11-11T10:31:00+08:00" for r in rows)
    assert any(r["step"] == "first" for r in rows)
    assert not any(r["journey"] == "cart_recovery" for r in rows)


def test_journeys_file_adds_a_journey_and_replaces_texts(tmp_path, capsys):
    extra = tmp_path / "mine.toml"
    extra.write_text(
        """
[vip_thanks]
kind = "service"
trigger = "order.created"
subject = "order"
where = [{ field = "event.status", eq = "paid" }]
[[vip_thanks.steps]]
name = "thanks"
at = "trigger + 1h"
template.zh-CN = "谢谢{{ customer.customer_id }}"
""",
        encoding="utf-8",
    )
    events = lines([store(), customer(), order("o1", at(10), status="paid")])
    code, rows, _ = _run(tmp_path, events, "--journeys", str(extra), capsys=capsys)
    assert code == 0
    assert [(r["journey"], r["body"]) for r in rows] == [("vip_thanks", "【Acme】谢谢c1")]


def test_broken_journeys_file_is_refused_with_its_name(tmp_path, capsys):
    extra = tmp_path / "broken.toml"
    extra.write_text('[x]\nkind = "service"\ntrigger = "order.created"\nsubject = "planet"\n')
    code = main(["replay", "-", "--journeys", str(extra)])
    assert code == 2
    assert "broken.toml" in capsys.readouterr().err


def test_reads_standard_input_and_prints_a_summary(tmp_path):
    proc = subprocess.run(
        [*CLI, "replay", "-"],
        input="\n".join(lines(DAY)),
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert {r["journey"] for r in out} >= {"payment_reminder", "cart_recovery", "keywords"}
    assert "suppressed by reason" in proc.stderr
    assert "segments" in proc.stderr
    assert "temporary and is gone" in proc.stderr and "--db tidings.db" in proc.stderr


def test_a_kept_run_says_where_it_is(tmp_path, capsys):
    source = tmp_path / "day.jsonl"
    source.write_text("\n".join(lines(DAY)) + "\n", encoding="utf-8")
    db = str(tmp_path / "kept.db")
    assert main(["replay", str(source), "--db", db, "--out", str(tmp_path / "out.jsonl")]) == 0
    assert f"the run is kept in {db}" in capsys.readouterr().err


def test_the_example_day_runs(tmp_path):
    example = ROOT / "examples" / "acme-day.jsonl"
    proc = subprocess.run(
        [*CLI, "replay", str(example), "--out", str(tmp_path / "m.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text().splitlines()]
    reasons = {r["reason"] for r in rows}
    assert {"condition_cleared", "no_consent", "frequency_cap", "invalid_recipient"} <= reasons


def test_on_a_terminal_a_progress_bar_goes_to_stderr(tmp_path):
    import os
    import pty

    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines(DAY)) + "\n", encoding="utf-8")
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, "replay", str(source), "--out", str(tmp_path / "m.jsonl")],
        stderr=child_fd,
        stdout=subprocess.DEVNULL,
    )
    os.close(child_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(60) == 0
    os.close(main_fd)
    text = seen.decode("utf-8", "replace")
    assert "replaying events" in text or "storing events" in text
    piped = subprocess.run(
        [*CLI, "replay", str(source), "--out", str(tmp_path / "n.jsonl")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "events" not in piped.stderr.split("tidings replay")[0]  # no bar when piped
