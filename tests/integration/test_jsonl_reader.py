"""Reading JSONL: a worker process reads what reading here reads; a nearly sorted file is
read once, in sorted-arrival order."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import at, customer, lines, order, store
from tidings.adapters import jsonl
from tidings.adapters.journeys_loader import builtin
from tidings.services.replay import in_order


def _stream() -> list[str]:
    events = [store(), customer()] + [order(f"o{i}", at(10, i)) for i in range(150)]
    text = lines(events)
    text.insert(7, "not json")
    text.insert(90, json.dumps({**json.loads(text[20]), "type": "order.lost", "id": "bad-1"}))
    text.insert(140, "")
    return [line + "\n" for line in text]


def _read(stream: list[str], parallel: bool) -> tuple[list[jsonl.EventRecord], list[str]]:
    errors: list[str] = []
    records = list(jsonl.read(stream, builtin(), errors.append, parallel=parallel, chunk=40))
    return records, errors


def test_a_worker_process_reads_the_same_records_and_errors_in_order():
    stream = _stream()
    here, here_errors = _read(stream, parallel=False)
    there, there_errors = _read(stream, parallel=True)
    assert len(here) == 152
    assert there == here
    assert there_errors == here_errors
    assert [e.split(":")[0] for e in here_errors] == ["line 8", "line 91, event 'bad-1'"]


def test_the_parallel_path_parses_in_the_worker(monkeypatch):
    stream = _stream()
    expected, _ = _read(stream, parallel=False)

    def not_here(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed in the main process")

    monkeypatch.setattr(jsonl, "_parse", not_here)
    there, errors = _read(stream, parallel=True)
    assert there == expected and len(errors) == 2


def _sorted(path: Path, window: int) -> tuple[list[str] | None, list[str]]:
    errors: list[str] = []
    events = jsonl.read_sorted(path, builtin(), errors.append, window)
    return (None if events is None else [e.id for e in events]), errors


def test_a_nearly_sorted_file_comes_out_in_sorted_arrival_order(tmp_path):
    text = _stream()
    for i in range(10, 150, 10):  # each tenth line a few lines late
        text.insert(i + 3, text.pop(i))
    path = tmp_path / "e.jsonl"
    path.write_text("".join(text), encoding="utf-8")
    got, errors = _sorted(path, window=80)  # the bad copy of line 21 is 70 lines late
    records, expected_errors = _read(text, parallel=False)
    assert got == [e.id for e in in_order(records)] and got != [e.id for e in records]
    assert errors == expected_errors and len(errors) == 2


def test_a_file_too_far_out_of_order_for_the_window_is_refused(tmp_path):
    text = _stream()
    text.append(text.pop(3))  # an early order at the very end
    path = tmp_path / "e.jsonl"
    path.write_text("".join(text), encoding="utf-8")
    assert _sorted(path, window=20)[0] is None
    got, _ = _sorted(path, window=len(text))
    assert got is not None and got[3] == json.loads(text[-1])["id"]


def test_of_two_lines_with_one_id_the_first_in_the_file_is_kept(tmp_path):
    first = order("o1", at(10, 30), id_="dup")
    second = order("o2", at(10, 10), id_="dup")  # earlier in time, later in the file
    text = [*lines([store(), customer(), first, order("o3", at(10, 20)), second])]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    errors: list[str] = []
    events = jsonl.read_sorted(path, builtin(), errors.append, 10)
    assert events is not None
    kept = [e for e in events if e.id == "dup"]
    assert [e.data.order_id for e in kept] == ["o1"]  # type: ignore[union-attr]


def test_times_are_read_as_the_parser_reads_them_or_the_file_takes_two_passes(tmp_path):
    head = lines([store(), customer(), *[order(f"o{i}", at(10, i)) for i in range(30)]])
    spaced = json.dumps(order("o40", at(11), id_="spaced"), separators=(", ", ": "))
    compact = json.dumps(order("o41", at(12), id_="escaped"), separators=(",", ":"))
    escaped = compact.replace("+08:00", "\\u002B08:00")  # as .NET writes a "+"
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join([*head, spaced, escaped]) + "\n", encoding="utf-8")
    got, errors = _sorted(path, window=5)  # both read by the slower look: in order
    assert not errors and got is not None and got[-2:] == ["spaced", "escaped"]
    unix = compact.replace(at(12).isoformat(), "1794369600").replace("escaped", "unix")
    path.write_text("\n".join([*head, unix]) + "\n", encoding="utf-8")
    assert _sorted(path, window=10_000)[0] is None  # only the parser can read that time


def test_a_duplicate_in_the_same_batch_as_its_first_line_is_run_once(tmp_path):
    from tidings import bootstrap
    from tidings.config import Settings

    first = order("o1", at(10), id_="dup")
    events = [store(), customer(), first, *[order(f"o{i}", at(10, i)) for i in range(2, 6)]]
    events.append({**order("o9", at(10, 30), id_="dup")})  # same id, later: ignored
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines(events)) + "\n", encoding="utf-8")
    app = bootstrap.build(Settings(database_url=str(tmp_path / "t.db")))
    sorted_events = jsonl.read_sorted(path, app.catalogue, print, window=2)
    assert sorted_events is not None
    stats = app.replay(sorted_events, None, ordered=True)
    assert (stats.events, stats.duplicates) == (7, 1)
    assert not any("o9" in m.subject for m in app.decided(["acme"]))
    app.db.dispose()
