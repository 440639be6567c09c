"""How a text travels in an SMPP `short_message`: its bytes, its `data_coding`, and its parts.

data_coding 0 (the SMSC default alphabet, GSM 03.38)
    One septet per byte, unpacked (the SMSC packs them for the air). A character of the
    extension table is two bytes: the escape 0x1B and its code.

data_coding 8 (UCS-2)
    UTF-16 big-endian. A character outside the Basic Multilingual Plane is a surrogate pair:
    `sms.split` never cuts one, so each part encodes on its own.

A long text
    Is cut by `sms.split` and each part starts with a concatenation user data header
    ``05 00 03 ref total seq`` (8-bit reference), with the UDHI bit (0x40) set in `esm_class`.
    On the air the header takes 7 septets (GSM-7) or 6 octets (UCS-2), so a part of 153
    septets or 67 UTF-16 units fills exactly 140 octets.

Inbound (`decode`) also reads data_coding 1 (ASCII) and 3 (Latin-1); bytes of any other
coding are read as Latin-1, so nothing an SMSC sends is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tidings.domain.sms import GSM_BASIC_TABLE, GSM_EXTENSION_CODES, encoding_of, split

GSM7: Final = 0
ASCII: Final = 1
LATIN1: Final = 3
UCS2: Final = 8
UDHI: Final = 0x40  # esm_class: the short_message starts with a user data header
ESCAPE: Final = 0x1B
MAX_PARTS: Final = 255

_ENCODE: Final = {
    **{char: bytes([code]) for code, char in enumerate(GSM_BASIC_TABLE) if code != ESCAPE},
    **{char: bytes([ESCAPE, code]) for char, code in GSM_EXTENSION_CODES.items()},
}
_EXTENDED: Final = {code: char for char, code in GSM_EXTENSION_CODES.items()}
# An escape before a code the extension table lacks reads as the basic character (GSM 03.38),
# and a second escape (reserved for a further table) as a space.
_UNKNOWN_ESCAPE: Final = {ESCAPE: " "}


@dataclass(frozen=True, slots=True)
class WirePart:
    """One `submit_sm` worth of a text: its `data_coding`, `esm_class` and `short_message`."""

    data_coding: int
    esm_class: int
    short_message: bytes

    @property
    def air_octets(self) -> int:
        """The octets this part takes on the air, once the SMSC packs GSM septets."""
        header = self.short_message[0] + 1 if self.esm_class & UDHI else 0
        if self.data_coding != GSM7:
            return len(self.short_message)
        septets = -(-header * 8 // 7) + len(self.short_message) - header
        return -(-septets * 7 // 8)


def encode_gsm7(text: str) -> bytes:
    """GSM 03.38 septets of `text`, one a byte; ValueError for a character outside it."""
    try:
        return b"".join(_ENCODE[char] for char in text)
    except KeyError as exc:
        raise ValueError(f"not in the GSM 03.38 alphabet: U+{ord(exc.args[0]):04X}") from None


def decode_gsm7(data: bytes) -> str:
    """Text of unpacked GSM 03.38 septets; bytes above 0x7F make it Latin-1 instead."""
    if any(byte > 0x7F for byte in data):
        return data.decode("latin-1")
    chars: list[str] = []
    escaped = False
    for byte in data:
        if escaped:
            chars.append(_EXTENDED.get(byte, _UNKNOWN_ESCAPE.get(byte, GSM_BASIC_TABLE[byte])))
            escaped = False
        elif byte == ESCAPE:
            escaped = True
        else:
            chars.append(GSM_BASIC_TABLE[byte])
    return "".join(chars)


def concatenation_header(ref: int, total: int, seq: int) -> bytes:
    """The user data header of part `seq` of `total` (8-bit reference `ref`)."""
    if not (0 <= ref <= 255 and 1 <= seq <= total <= MAX_PARTS):
        raise ValueError(f"no concatenation header for part {seq} of {total}, ref {ref}")
    return bytes([5, 0, 3, ref, total, seq])


def concatenation_of(data: bytes) -> tuple[int, int, int] | None:
    """(reference, total, seq) from the concatenation element of the user data header that
    opens `data` (8-bit or 16-bit reference); None when it has none or it makes no sense."""
    if not data or len(data) < data[0] + 1:
        return None
    header, at = data[1 : data[0] + 1], 0
    while at + 2 <= len(header):
        element, size = header[at], header[at + 1]
        value = header[at + 2 : at + 2 + size]
        if len(value) < size:
            return None
        if element == 0x00 and size == 3:
            ref, total, seq = value
        elif element == 0x08 and size == 4:
            ref, total, seq = value[0] << 8 | value[1], value[2], value[3]
        else:
            at += 2 + size
            continue
        return (ref, total, seq) if 1 <= seq <= total else None
    return None


def wire_parts(text: str, ref: int) -> list[WirePart]:
    """The parts `text` is submitted as; a long text's parts carry reference `ref`."""
    gsm = encoding_of(text) == "gsm7"
    coding = GSM7 if gsm else UCS2
    pieces = split(text)
    if len(pieces) == 1:
        return [WirePart(coding, 0, _encode(text, gsm))]
    if len(pieces) > MAX_PARTS:
        raise ValueError(f"a text of {len(pieces)} parts is longer than {MAX_PARTS} parts")
    total = len(pieces)
    return [
        WirePart(coding, UDHI, concatenation_header(ref, total, seq) + _encode(piece, gsm))
        for seq, piece in enumerate(pieces, start=1)
    ]


def _encode(text: str, gsm: bool) -> bytes:
    return encode_gsm7(text) if gsm else text.encode("utf-16-be")


def decode(data: bytes, data_coding: int, *, header: bool = False) -> str:
    """The text of a `short_message`, leaving out its user data header when `header`."""
    if header and data:
        data = data[data[0] + 1 :]
    if data_coding == GSM7:
        return decode_gsm7(data)
    if data_coding == UCS2:
        return data.decode("utf-16-be", errors="replace")
    if data_coding == ASCII:
        return data.decode("ascii", errors="replace")
    return data.decode("latin-1")
