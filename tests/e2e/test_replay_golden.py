"""The replay's output, byte for byte, held against the one today's code gave: every change made
for speed must leave it as it was (issue 15).

Two days: the example day, and a 2,000-order Double 11 day that the bench's generator writes
here with a fixed seed, run with the bench's campaign beside the built-in journeys. The
expected outputs are kept as SHA-256 digests, not as files. A change that alters the output
on purpose updates the digests in the same commit, and says why.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tidings.entrypoints.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "bench" / "campaign.toml"
SEED = 7
GOLDEN = {  # the output's SHA-256, from the code as it was before issue 15's changes
    "example": "3acf1548864b8cb79a8791a6062168b6f04eac44f0a4e64a0c5c14bf85d5b7f6",
    # since issue 18: English dates as English writes them ("Nov 17, 15:00", not "17 Nov 15:00")
    "bench": "83d1eb0ca2c39145c0c7f754b818d0516d78f6a3acb54e58f85cace426862a2f",
}
_outputs: dict[tuple[str, str], bytes] = {}  # (day, database kind): output, for the comparison


@pytest.fixture(scope="module")
def bench_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's 2,000-order day, written once for this module."""
    path = tmp_path_factory.mktemp("golden") / "d2000.jsonl"
    command = [sys.executable, str(ROOT / "bench" / "generate.py"), "--orders", "2000"]
    subprocess.run(
        [*command, "--seed", str(SEED), "--out", str(path)], check=True, capture_output=True
    )
    return path


def _replay(day: str, source: Path, db: str, folder: Path) -> bytes:
    out = folder / f"{day}.out"
    extra = ["--journeys", str(CAMPAIGN)] if day == "bench" else []
    assert main(["replay", str(source), "--db", db, "--out", str(out), *extra]) == 0
    return out.read_bytes()


def _source(day: str, bench_day: Path) -> Path:
    return ROOT / "examples" / "acme-day.jsonl" if day == "example" else bench_day


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """The output depends on the link secret and nothing else of the environment's."""
    for name in ("TIDINGS_LINK_SECRET", "TIDINGS_BATCH_SIZE", "TIDINGS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.slow
@pytest.mark.parametrize("day", ["example", "bench"])
def test_the_replay_gives_the_golden_output_byte_for_byte(day, bench_day, db_url, tmp_path, capsys):
    output = _replay(day, _source(day, bench_day), db_url, tmp_path)
    capsys.readouterr()
    _outputs[(day, "postgresql" if db_url.startswith("postgresql") else "sqlite")] = output
    assert output.count(b"\n") > (30 if day == "example" else 10_000)
    assert hashlib.sha256(output).hexdigest() == GOLDEN[day]


@pytest.mark.slow
@pytest.mark.parametrize("day", ["example", "bench"])
def test_sqlite_and_postgresql_give_the_same_output(day, bench_day, pg_database, tmp_path, capsys):
    from conftest import _empty_pg

    for kind in ("sqlite", "postgresql"):
        if (day, kind) not in _outputs:  # run on its own: the golden test did not run it
            db = str(tmp_path / "tidings.db") if kind == "sqlite" else pg_database
            if kind == "postgresql":
                _empty_pg(pg_database)
            _outputs[(day, kind)] = _replay(day, _source(day, bench_day), db, tmp_path)
    capsys.readouterr()
    lite, pg = _outputs[(day, "sqlite")], _outputs[(day, "postgresql")]
    assert lite.splitlines() == pg.splitlines()
    assert lite == pg


@pytest.mark.slow
def test_a_world_that_shrinks_often_and_steps_cut_small_give_the_golden_output(
    bench_day, db_url, tmp_path, capsys
):
    """The replay's World drops what older batches asked for when it grows past its limit,
    writes the messages it keeps back that are due last when they are too many, and a step
    decides a bounded number of due messages, cut inside an instant when one holds more
    (100,000-order days hold tens of thousands at 09:00 and at a campaign's time), the events
    after the cut left to the next step: with small limits all of it happens often on this
    day, in the events' batches and in the tail after them, and the output must stay the
    same, byte for byte."""
    from tidings.services import replay as replay_service
    from tidings.services.world import World

    shrinks: list[int] = []
    cuts: list[tuple[bool, bool]] = []  # (events left after the cut, the tail's step)
    written: list[int] = []
    shrunk, step, write_out = World.shrunk, replay_service._Runner.step, World.write_out

    def counted(world: World, keep: int) -> World:
        shrinks.append(world.size())
        return shrunk(world, keep)

    def writing(world: World, count: int) -> list:  # type: ignore[type-arg]
        written.append(count)
        return write_out(world, count)

    def stepped(runner, chunk, until, **options):  # type: ignore[no-untyped-def]
        claims = step(runner, chunk, until, **options)
        if options.get("uow") is not None and runner.left is not None:
            cuts.append((bool(runner.left), options.get("inclusive", True)))
        return claims

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(replay_service, "WORLD_LIMIT", 4_000)
        patch.setattr(replay_service, "STEP_MESSAGES", 40)
        patch.setattr(World, "shrunk", counted)
        patch.setattr(World, "write_out", writing)
        patch.setattr(replay_service._Runner, "step", stepped)
        output = _replay("bench", bench_day, db_url, tmp_path)
    capsys.readouterr()
    assert len(shrinks) > 10 and sum(written) > 500
    assert sum(1 for left, _ in cuts if left) > 10  # events waited for the messages before them
    assert sum(1 for _, tail in cuts if tail) > 10  # the tail's steps were cut too
    assert hashlib.sha256(output).hexdigest() == GOLDEN["bench"]
