"""Memory the process freed, handed back to the system.

Python's small objects live in its own arenas; what is larger (a long event line, a big
dict's table, SQLite's pages) comes from the C library's heap, which gives back only the free
space at its top. A replay frees most of a World at once when it shrinks it, in the middle of
that heap: glibc's `malloc_trim` returns the free pages wherever they are. Elsewhere (another
C library, another system) there is nothing to call, and `give_back` does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


def give_back() -> None:
    """Return the C heap's free pages to the system, where the C library can."""
    trim = _trim()
    if trim is not None:
        trim(0)


@cache
def _trim() -> Callable[[int], int] | None:
    try:  # the symbols the process has loaded: the C library's among them
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
