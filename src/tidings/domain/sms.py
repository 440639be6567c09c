"""How many SMS segments a text costs, and how it is cut into them.

Encoding
    A text is sent as GSM-7 when every character is in the GSM 03.38 basic character set
    or its extension table; a single character outside both makes the whole text UCS-2.

GSM-7
    The length is counted in septets. Basic characters cost 1 septet; extension-table
    characters (form feed, ``^ { } \\ [ ~ ] | €``) cost 2 (an escape plus the character).
    Up to 160 septets fit in one segment. Longer texts are split into segments of at most
    153 septets (the rest holds the concatenation header), and an escape pair is never
    split across two segments: an extension character that does not fit whole goes to the
    next segment.

UCS-2
    The length is counted in UTF-16 code units; a character outside the Basic Multilingual
    Plane (an emoji, say) is a surrogate pair and costs 2. Up to 70 units fit in one
    segment. Longer texts are split into segments of at most 67 units, and a surrogate pair
    is never split, so a segment may then hold only 66 units.

An empty text is still one (empty) segment. Parts are filled greedily, in order, which gives
the fewest segments, and ``count(text).segments == len(split(text))`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["gsm7", "ucs2"]

# GSM 03.38 default alphabet in code order; the escape slot 0x1B holds a placeholder.
GSM_BASIC_TABLE: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each character is sent as the escape and this code (two septets).
GSM_EXTENSION_CODES: Final = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_GSM_BASIC: Final = frozenset(GSM_BASIC_TABLE) - {"\x1b"}
_GSM_EXTENSION: Final = frozenset(GSM_EXTENSION_CODES)
_GSM_ALL: Final = _GSM_BASIC | _GSM_EXTENSION
_BMP_LAST: Final = "\uffff"

_SINGLE_LIMIT: Final[dict[Encoding, int]] = {"gsm7": 160, "ucs2": 70}
_PART_LIMIT: Final[dict[Encoding, int]] = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """The encoding of a text, its length in that encoding's units, and its segment count.

    `units` is septets for GSM-7 (extension characters count 2) and UTF-16 code units for
    UCS-2 (characters outside the BMP count 2). `segments` is at least 1.
    """

    encoding: Encoding
    units: int
    segments: int


def encoding_of(text: str) -> Encoding:
    """Return "gsm7" if every character is GSM 03.38 (basic or extension), else "ucs2"."""
    return "gsm7" if _GSM_ALL.issuperset(text) else "ucs2"


def count(text: str) -> SegmentInfo:
    """The encoding, length in units, and number of segments needed to send `text`."""
    encoding = encoding_of(text)
    units = _units(text, encoding)
    if units <= _SINGLE_LIMIT[encoding]:
        return SegmentInfo(encoding, units, 1)
    if units == len(text):  # every character costs 1: plain division
        limit = _PART_LIMIT[encoding]
        return SegmentInfo(encoding, units, -(-units // limit))
    return SegmentInfo(encoding, units, len(_part_ends(text, encoding, units)))


def split(text: str) -> list[str]:
    """The parts `text` is sent as, in order; they concatenate back to `text`."""
    encoding = encoding_of(text)
    units = _units(text, encoding)
    if units <= _SINGLE_LIMIT[encoding]:
        return [text]
    ends = _part_ends(text, encoding, units)
    starts = [0, *ends[:-1]]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def _units(text: str, encoding: Encoding) -> int:
    """Length of `text` in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding == "gsm7":
        escaped = _GSM_EXTENSION.intersection(text)
        return len(text) + sum(text.count(char) for char in escaped)
    if max(text) <= _BMP_LAST:  # a UCS-2 text is never empty
        return len(text)
    return len(text) + sum(1 for char in text if char > _BMP_LAST)


def _part_ends(text: str, encoding: Encoding, units: int) -> list[int]:
    """The index just past each part of a multi-part text, the last being ``len(text)``."""
    limit = _PART_LIMIT[encoding]
    if units == len(text):
        return [*range(limit, len(text), limit), len(text)]
    return _greedy_ends(_costs(text, encoding), limit, len(text))


def _costs(text: str, encoding: Encoding) -> Iterator[int]:
    """The cost of each character of `text`, in units of `encoding`."""
    if encoding == "gsm7":
        return (2 if char in _GSM_EXTENSION else 1 for char in text)
    return (2 if char > _BMP_LAST else 1 for char in text)


def _greedy_ends(costs: Iterator[int], limit: int, length: int) -> list[int]:
    """Fill each part with as many whole characters as fit within `limit` units."""
    ends: list[int] = []
    used = 0
    for index, cost in enumerate(costs):
        if used + cost > limit:
            ends.append(index)
            used = 0
        used += cost
    ends.append(length)
    return ends
