"""`tidings serve` and `tidings demo`'s last step: the API and the console, and a worker in a
process of its own beside them, until stopped."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from tidings import bootstrap
from tidings.config import Settings


def serve(settings: Settings, journeys: Path | None = None) -> int:
    """The API, the console and a worker (in a process of its own), until stopped."""
    import uvicorn

    from tidings.entrypoints.api.app import create_app

    app = bootstrap.build(settings, journeys=journeys, live=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = uvicorn.Config(create_app(app, run_worker=True), settings.host, settings.port)
    bootstrap.redact_access_log()  # once uvicorn has set its loggers up
    print(f"tidings: serving {settings.public_url} (API docs at /docs)", file=sys.stderr)
    uvicorn.Server(config).run()
    app.close()
    return 0
