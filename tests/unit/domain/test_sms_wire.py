"""SMPP wire encoding: GSM 03.38 septets one a byte, UCS-2 as UTF-16-BE, concatenated parts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsm import BASIC, EXTENSION, read_septets
from tidings.domain.sms import encoding_of, split
from tidings.domain.sms_wire import (
    UDHI,
    WirePart,
    concatenation_header,
    concatenation_of,
    decode,
    decode_gsm7,
    encode_gsm7,
    wire_parts,
)

GSM_CHARS = "".join(BASIC.values()) + "".join(EXTENSION.values())


def octets_on_the_air(part: WirePart) -> int:
    """What an SMSC sends: GSM septets packed 7 bits each, a header padded to a septet."""
    body = part.short_message
    header = body[0] + 1 if part.esm_class & UDHI else 0
    if part.data_coding == 8:
        return len(body)
    bits = header * 8
    bits += (7 - bits % 7) % 7  # fill bits up to a septet boundary
    bits += (len(body) - header) * 7
    return (bits + 7) // 8


# --- GSM 03.38 -----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "char"), sorted(BASIC.items()))
def test_basic_character_is_its_code(code: int, char: str) -> None:
    assert encode_gsm7(char) == bytes([code])
    assert decode_gsm7(bytes([code])) == char


@pytest.mark.parametrize(("code", "char"), sorted(EXTENSION.items()))
def test_extension_character_is_escape_and_code(code: int, char: str) -> None:
    assert encode_gsm7(char) == bytes([0x1B, code])
    assert decode_gsm7(bytes([0x1B, code])) == char


def test_sample_text_bytes() -> None:
    assert encode_gsm7("Hi @Ann: 5€ {ok}") == b"Hi \x00Ann: 5\x1be \x1b(ok\x1b)"


@pytest.mark.parametrize("char", ["ç", "`", "中", "😀", "\t", "á"])
def test_character_outside_gsm_cannot_be_encoded(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        encode_gsm7("ok " + char)


def test_gsm_table_agrees_with_the_segment_counter() -> None:
    for point in [*range(0xD800), *range(0xE000, 0x10000)]:
        char = chr(point)
        try:
            encode_gsm7(char)
            encodable = True
        except ValueError:
            encodable = False
        assert encodable == (encoding_of(char) == "gsm7"), hex(point)


def test_odd_escapes_and_8bit_bytes_when_reading() -> None:
    assert decode_gsm7(b"a\x1b\x41") == "aA"  # no extension for 0x41: the basic character
    assert decode_gsm7(b"a\x1b\x1bb") == "a b"  # an escape to a further table: a space
    assert decode_gsm7(b"ab\x1b") == "ab"  # a trailing escape is dropped
    assert decode_gsm7("café".encode("latin-1")) == "café"  # not septets: Latin-1


# --- parts -----------------------------------------------------------------------------


def test_short_gsm_text_is_one_part_without_header() -> None:
    assert wire_parts("Hello", ref=9) == [WirePart(0, 0, b"Hello")]


def test_short_ucs2_text_is_utf16_big_endian() -> None:
    assert wire_parts("退订😀", ref=9) == [WirePart(8, 0, "退订😀".encode("utf-16-be"))]


def test_empty_text_is_one_empty_part() -> None:
    assert wire_parts("", ref=9) == [WirePart(0, 0, b"")]


def test_long_text_parts_carry_the_concatenation_header() -> None:
    parts = wire_parts("a" * 153 + "b" * 153 + "c", ref=200)

    assert [p.short_message[:6] for p in parts] == [
        bytes([5, 0, 3, 200, 3, 1]),
        bytes([5, 0, 3, 200, 3, 2]),
        bytes([5, 0, 3, 200, 3, 3]),
    ]
    assert [p.short_message[6:] for p in parts] == [b"a" * 153, b"b" * 153, b"c"]
    assert {(p.data_coding, p.esm_class) for p in parts} == {(0, 0x40)}


def test_full_parts_fill_140_octets() -> None:
    assert WirePart(0, 0, b"a" * 160).air_octets == 140
    assert wire_parts("a" * 161, ref=1)[0].air_octets == 140
    assert wire_parts("ж" * 71, ref=1)[0].air_octets == 140
    assert WirePart(8, 0, b"\x04\x16" * 70).air_octets == 140


def test_too_many_parts_is_an_error() -> None:
    wire_parts("a" * 153 * 255, ref=1)
    with pytest.raises(ValueError, match="256 parts"):
        wire_parts("a" * (153 * 255 + 1), ref=1)


@pytest.mark.parametrize(("ref", "total", "seq"), [(256, 2, 1), (-1, 2, 1), (1, 2, 3), (1, 2, 0)])
def test_header_bounds(ref: int, total: int, seq: int) -> None:
    with pytest.raises(ValueError):
        concatenation_header(ref, total, seq)


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
GSM_TEXT = st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=800)
MIXED_TEXT = st.text(alphabet=st.one_of(st.sampled_from(GSM_CHARS), CJK, EMOJI), max_size=400)


@settings(max_examples=300)
@given(st.one_of(GSM_TEXT, MIXED_TEXT, st.text(max_size=300)), st.integers(0, 255))
def test_every_part_fits_140_octets_and_the_parts_read_back(text: str, ref: int) -> None:
    parts = wire_parts(text, ref)

    assert len(parts) == len(split(text))
    texts = []
    for seq, part in enumerate(parts, start=1):
        assert octets_on_the_air(part) == part.air_octets <= 140
        body = part.short_message
        if len(parts) > 1:
            assert part.esm_class == UDHI
            assert body[:6] == bytes([5, 0, 3, ref, len(parts), seq])
            body = body[6:]
        else:
            assert part.esm_class == 0
        texts.append(read_septets(body) if part.data_coding == 0 else body.decode("utf-16-be"))
        assert part.data_coding == (0 if encoding_of(text) == "gsm7" else 8)
    assert "".join(texts) == text


# --- reading what comes in ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "coding", "text"),
    [
        (b"STOP", 0, "STOP"),
        (b"\x00 5\x1be", 0, "@ 5€"),
        ("退订".encode("utf-16-be"), 8, "退订"),
        ("😀!".encode("utf-16-be"), 8, "😀!"),
        ("Grüße".encode("latin-1"), 3, "Grüße"),
        (b"STOP", 1, "STOP"),
        (b"\xe9t\xe9", 4, "été"),  # 8-bit data: read as Latin-1
    ],
)
def test_decode(data: bytes, coding: int, text: str) -> None:
    assert decode(data, coding) == text


def test_decode_leaves_out_the_header() -> None:
    assert decode(bytes([5, 0, 3, 1, 2, 1]) + b"STOP", 0, header=True) == "STOP"
    assert decode(b"", 0, header=True) == ""


def test_broken_ucs2_reads_as_replacement_characters() -> None:
    assert decode(b"\x00S\xd8\x3d", 8) == "S\ufffd"  # a lone high surrogate
    assert decode(b"\x00S\x00", 8) == "S\ufffd"  # an odd byte


@pytest.mark.parametrize(
    ("data", "header"),
    [
        (bytes([5, 0, 3, 42, 3, 2]) + b"text", (42, 3, 2)),
        (bytes([6, 8, 4, 1, 2, 4, 4]) + b"text", (258, 4, 4)),  # 16-bit reference
        (bytes([9, 0x24, 1, 1, 0, 3, 7, 2, 1, 0]) + b"x", (7, 2, 1)),  # after another element
    ],
    ids=["8-bit", "16-bit", "second-element"],
)
def test_concatenation_read_back_from_a_header(data: bytes, header: tuple[int, int, int]) -> None:
    assert concatenation_of(data) == header


@pytest.mark.parametrize(
    "data",
    [
        b"",
        bytes([3, 0x24, 1, 1]) + b"no concatenation element",
        bytes([5, 0, 3, 42, 2, 3]),  # part 3 of 2
        bytes([5, 0, 3, 42, 0, 0]),
        bytes([5, 0, 4, 42, 2, 1]),  # a length the element cannot have, cut short
        bytes([9, 0, 3]),  # the header is longer than the data
    ],
)
def test_no_concatenation_where_the_header_has_none(data: bytes) -> None:
    assert concatenation_of(data) is None


def test_the_headers_of_wire_parts_read_back() -> None:
    parts = wire_parts("x" * 400, ref=200)
    assert [concatenation_of(p.short_message) for p in parts] == [(200, 3, n) for n in (1, 2, 3)]
