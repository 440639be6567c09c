"""What the commands' arguments may be: aware times and calendar days, refused clearly."""

from __future__ import annotations

import argparse
from datetime import date, datetime


def aware_time(text: str) -> datetime:
    """An RFC 3339 time with its offset; a naive one is refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs an offset, e.g. +08:00")
    return value


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
