"""The API's time parameters: an RFC 3339 time (with its offset) or a calendar day, as the
OpenAPI document says, and nothing else: pydantic alone would also take a number of seconds
since 1970, which the document does not offer and a caller did not mean."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*$")


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("give a time as RFC 3339 text (2026-11-11T10:00:00+08:00), not a number")
    return value


Time = Annotated[datetime, BeforeValidator(_not_a_number)]
Day = Annotated[date, BeforeValidator(_not_a_number)]
