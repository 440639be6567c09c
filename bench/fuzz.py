"""The long fuzz: every operation of the API's own OpenAPI document (the API, the providers'
webhooks, the shoppers' pages) with many generated requests, valid and invalid, on each
database; the same checks as tests/e2e/test_api_fuzz.py (no server error, no undocumented
status, no response that breaks its schema), a new seed each run unless one is given.

    python bench/fuzz.py [--cases 200] [--seed N] [--pg URL | --no-pg]

Prints the cases run per operation and mode, and the totals; exits 1 on the first failure,
with schemathesis' account of it and a curl line that repeats it.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from fuzzing import MODES, fuzz, fuzzed_app, operations
from run import PG_ADMIN, drop_pg, fresh_pg


def run_on(url: str, cases: int, seed: int) -> Counter[tuple[str, str]]:
    """Cases run per (operation, mode) on the database at `url`."""
    ran: Counter[tuple[str, str]] = Counter()
    with fuzzed_app(url) as (api, keys):
        for operation in operations(api):
            for mode in MODES:
                label = f"{operation.method.upper()} {operation.path}"
                ran[label, mode.value] += fuzz(operation, mode, keys, cases, seed)
    return ran


def show(console: Console, name: str, ran: Counter[tuple[str, str]], seconds: float) -> None:
    table = Table(title=f"{name}: {sum(ran.values())} cases in {seconds:.0f} s")
    table.add_column("operation")
    for mode in MODES:
        table.add_column(mode.value, justify="right")
    for label in sorted({label for label, _ in ran}):
        table.add_row(label, *(str(ran[label, mode.value]) for mode in MODES))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="per operation and mode")
    parser.add_argument("--seed", type=int, help="repeat a run (default: a new seed)")
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    logging.getLogger("tidings").setLevel(logging.ERROR)  # fuzzed replies nobody takes, etc.
    console = Console()
    console.print(f"seed {seed}: repeat this run with --seed {seed}")
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        show(console, "SQLite", run_on(f"{folder}/fuzz.db", args.cases, seed),
             time.monotonic() - started)  # fmt: skip
    if args.no_pg:
        return
    url, name = fresh_pg(args.pg)
    try:
        started = time.monotonic()
        show(console, "PostgreSQL", run_on(url, args.cases, seed), time.monotonic() - started)
    finally:
        drop_pg(args.pg, name)


if __name__ == "__main__":
    main()
