"""How long the worker's write transaction is held when a seller's template is as slow as it can
be: `messages` shipping notices due at once, each rendering a template that passes the
intake check (its loops' size comes from the data) and would run for long.

    python bench/template_lock.py [--messages 20] [--template loops|macros]

Prints the seconds the store's transaction (`Worker.run_stores`, one BEGIN IMMEDIATE on
SQLite) was held, and how many messages it decided.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from fakes_providers import ScriptedProvider
from helpers import Clock, at, customer, live, order, post, shipped, store

TEMPLATES = {  # 9 million loop turns, and 2**30 macro calls (a tracking number of 3)
    "loops": "{% for a in range(shipment.tracking_number | length * 1000) %}"
    "{% for b in range(shipment.tracking_number | length * 1000) %}{% endfor %}{% endfor %}",
    "macros": "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}"
    "{{ m(shipment.tracking_number | length * 10) }}",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--template", choices=sorted(TEMPLATES), default="loops")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = live(str(Path(folder) / "lock.db"), Clock(at(10)), {"file": ScriptedProvider()})
        text = TEMPLATES[args.template]
        events = [store(journeys={"shipping_notice": {"templates": {"shipped": {"zh-CN": text}}}})]
        for i in range(args.messages):
            events += [customer(f"c{i}", phone=f"+861380013{i:04d}", when=at(-23))]
            events += [order(f"o{i}", at(9), cid=f"c{i}", status="paid")]
            events += [shipped(f"o{i}", f"s{i}", at(10))]
        post(app, events)
        worker = app.worker()
        started = time.perf_counter()
        done = worker.run_stores(["acme"])
        held = time.perf_counter() - started
        print(f"{args.template}: write transaction held {held:.2f} s, {done} things done")
        app.close()


if __name__ == "__main__":
    main()
