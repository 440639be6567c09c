"""The tests' own GSM 03.38 table, written apart from the code under test: the basic
alphabet by septet code (0x1B is the escape) and the extension table reached through it."""

from __future__ import annotations

ESC = 0x1B
BASIC = {
    code: char
    for code, char in enumerate(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    if code != ESC
}
EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
             0x3E: "]", 0x40: "|", 0x65: "€"}  # fmt: skip


def read_septets(data: bytes) -> str:
    """Unpacked septets (one a byte) read back as text."""
    out, escaped = [], False
    for byte in data:
        if escaped:
            out.append(EXTENSION[byte])
            escaped = False
        elif byte == ESC:
            escaped = True
        else:
            out.append(BASIC[byte])
    assert not escaped, "a part ends inside an escape sequence"
    return "".join(out)
