"""`tidings score`, `tidings report` and `tidings targets` through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import customer, lines, order, paid
from outcomes_helpers import local, review, shop
from tidings.entrypoints.cli import main

CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]
EVENTS = [
    shop(journeys={"payment_reminder": {"holdout": 0.5}}),
    customer("c1"),
    review("r1", local(2026, 11, 10, 9), 5),
    review("r2", local(2026, 11, 10, 10), 2),
    # o3 is not held back (by the hash of order:o3): reminded at 10:30, paid at 10:45
    order("o3", local(2026, 11, 11, 10), "c1"),
    paid("o3", local(2026, 11, 11, 10, 45)),
    order("o1", local(2026, 11, 11, 12), "c1"),  # held back at 12:30, never paid
    order("o2", local(2026, 11, 11, 17), "c1", status="paid"),  # paid after 16:00, at risk
]
AT = "2026-11-12T10:00:00+08:00"


def _replayed(tmp_path: Path, db: str) -> str:
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines(EVENTS)) + "\n", encoding="utf-8")
    assert main(["replay", str(source), "--db", db, "--out", str(tmp_path / "out.jsonl")]) == 0
    return db


def test_score_as_a_separate_process(tmp_path, db_url):
    db = _replayed(tmp_path, db_url)
    proc = subprocess.run(
        [*CLI, "score", "--store", "acme", "--at", AT, "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    score = json.loads(proc.stdout)
    # reviews on 10 Nov (D-2): 1 good of 2
    review_rate = score["metrics"]["review_positive_rate"]
    assert (review_rate["numerator"], review_rate["denominator"], review_rate["value"]) == (
        1,
        2,
        0.5,
    )
    # o2 paid 17:00 on 11 Nov: due by the end of 12 Nov (day D), not collected: at risk;
    # o3 paid 10:45 on 11 Nov: due by the end of 11 Nov, passed, not collected: 0 of 1
    assert score["at_risk"] == [{"order_id": "o2", "deadline": "2026-11-13T00:00:00+08:00"}]
    assert score["metrics"]["same_day_collection_rate"]["culprits"] == ["o3"]
    # with data: reviews (0.5, missed), collection (0, missed), disputes (0 of 2, met): 1 of 3
    assert score["overall"] == 33.3
    assert set(score) == {"store", "at", "day", "timezone", "metrics", "at_risk", "overall"}


def test_report_as_json_and_as_tables(tmp_path, capsys):
    db = _replayed(tmp_path, str(tmp_path / "t.db"))
    capsys.readouterr()
    args = ["report", "--store", "acme", "--from", "2026-11-11", "--to", "2026-11-11"]
    assert main([*args, "--db", db, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (reminder,) = [r for r in result["journeys"] if r["journey"] == "payment_reminder"]
    # o3's first reminder sent (0.05), o3 paid 15 min later: 1 order, 129.00; o1 held back
    assert (reminder["sent"], reminder["orders_recovered"], reminder["cost_per_order"]) == (
        1,
        1,
        "0.05",
    )
    assert reminder["suppressed"] == {"holdout": 1}
    (uplift,) = result["uplift"]  # 1 treated (paid), 1 held back (not): far too few
    assert (uplift["treated"]["subjects"], uplift["held_back"]["subjects"]) == (1, 1)
    assert main([*args, "--db", db]) == 0
    table = capsys.readouterr().out
    assert "tidings report: acme, 2026-11-11 … 2026-11-11" in table
    assert "payment_reminder" in table and "129.00" in table
    assert "uplift against the holdout" in table and "not enough data yet" in table


def test_targets_through_the_command_line(tmp_path, capsys):
    db = _replayed(tmp_path, str(tmp_path / "t.db"))
    capsys.readouterr()
    assert (
        main(["targets", "--store", "acme", "--db", db, "--set", "review_positive_rate=0.5"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["review_positive_rate"]["target"] == 0.5
    assert main(["score", "--store", "acme", "--at", AT, "--db", db]) == 0
    score = json.loads(capsys.readouterr().out)
    assert score["metrics"]["review_positive_rate"]["met"] is True  # 0.5 >= 0.5
    assert main(["targets", "--store", "acme", "--db", db, "--clear", "review_positive_rate"]) == 0
    assert json.loads(capsys.readouterr().out)["review_positive_rate"]["target"] == 0.95


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--store", "nowhere", "--at", AT], "unknown store 'nowhere'"),
        (["report", "--store", "nowhere", "--from", "2026-11-11", "--to", "2026-11-11"], "nowhere"),
        (["report", "--store", "acme", "--from", "2026-11-12", "--to", "2026-11-11"], "before"),
        (["targets", "--store", "acme", "--set", "dispute_rate=2"], "between 0 and 1"),
        (["targets", "--store", "acme", "--set", "weather=1"], "unknown metric 'weather'"),
    ],
)
def test_refusals_exit_with_2_and_say_why(tmp_path, capsys, args, message):
    db = _replayed(tmp_path, str(tmp_path / "t.db"))
    capsys.readouterr()
    assert main([*args, "--db", db]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--store", "acme", "--at", "2026-11-12T10:00:00"], "needs an offset"),
        (["score", "--store", "acme", "--at", "tomorrow"], "not an RFC 3339 time"),
        (["report", "--store", "acme", "--from", "11/11", "--to", "2026-11-11"], "not a date"),
    ],
)
def test_bad_arguments_exit_with_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main([*args, "--db", str(tmp_path / "t.db")])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_a_database_that_is_not_there(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert main(["score", "--store", "acme", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "no database at" in err
    assert "tidings replay EVENTS.jsonl --db tidings.db" in err  # how to make one
    assert not missing.exists()


@pytest.mark.parametrize("command", ["score", "report", "targets"])
def test_the_read_commands_take_the_database_from_a_settings_file(tmp_path, capsys, command):
    db = _replayed(tmp_path, str(tmp_path / "kept.db"))
    config = tmp_path / "tidings.toml"
    config.write_text(f'database_url = "{db}"\n', encoding="utf-8")
    capsys.readouterr()
    period = ["--from", "2026-11-11", "--to", "2026-11-11", "--json"]
    args = {"score": ["--at", AT], "report": period, "targets": []}[command]
    assert main([command, "--store", "acme", *args, "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)
