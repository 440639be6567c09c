"""What the commands' and the API's time arguments may be: aware times and calendar days
within the years tidings reckons with (`domain.times`), refused clearly; and the database
options every command that works on a store's database takes, read into its settings."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from tidings.config import Settings, load_settings
from tidings.domain.times import FIRST_DAY, LAST_DAY, day_in_range, in_range


def aware_time(text: str) -> datetime:
    """An RFC 3339 time with its offset; a naive one is refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs an offset, e.g. +08:00")
    problem = time_out_of_range(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def day(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    problem = day_out_of_range(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def time_out_of_range(value: datetime) -> str | None:
    """What is wrong with an aware time out of the years tidings reckons with, if it is."""
    return None if in_range(value) else _outside(value.isoformat())


def day_out_of_range(value: date) -> str | None:
    """What is wrong with a day out of the years tidings reckons with, if it is."""
    return None if day_in_range(value) else _outside(value.isoformat())


def _outside(text: str) -> str:
    return f"{text} is not between {FIRST_DAY} and {LAST_DAY}"


def database_options(parser: argparse.ArgumentParser) -> None:
    """`--db` and `--config`, as every command on a store's database takes them."""
    parser.add_argument("--db", help="database URL (default: TIDINGS_DATABASE_URL or tidings.db)")
    parser.add_argument("--config", help="settings file (TOML); default TIDINGS_CONFIG")


def settings_of(args: argparse.Namespace, **more: Any) -> Settings:
    """A command's settings: its options given (`--db`, and `more`) over the environment and
    the settings file."""
    given = {"database_url": args.db, **more}
    return load_settings(args.config, **{k: v for k, v in given.items() if v not in (None, "")})
