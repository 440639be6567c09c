"""SMS segment counting and splitting: GSM-7 / UCS-2 limits, escapes, surrogate pairs."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsm import BASIC, ESC, EXTENSION
from tidings.domain.sms import SegmentInfo, count, encoding_of, split

GSM_BASIC = "".join(BASIC.values())  # in table order, without the escape slot
GSM_EXTENSION = "".join(EXTENSION.values())
EXTENSION_CODES = {char: code for code, char in EXTENSION.items()}
GSM_ALL = set(GSM_BASIC) | set(GSM_EXTENSION)
NOT_GSM = "`çÀ\u00a0\t\u2019【】Ж中😀áÍ"


def septets(text: str) -> list[int]:
    out: list[int] = []
    for char in text:
        if char in EXTENSION_CODES:
            out += [ESC, EXTENSION_CODES[char]]
        else:
            index = GSM_BASIC.index(char)
            out.append(index if index < ESC else index + 1)
    return out


def unit_cost(char: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def utf16_units(text: str) -> list[int]:
    raw = text.encode("utf-16-le")
    return [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]


# --- the character table --------------------------------------------------------------


def test_table_has_127_basic_and_10_extension_characters() -> None:
    assert len(set(GSM_BASIC)) == 127 and len(GSM_BASIC) == 127
    assert len(set(GSM_EXTENSION)) == 10


@pytest.mark.parametrize("char", list(GSM_BASIC))
def test_every_basic_character_is_gsm7_and_costs_one(char: str) -> None:
    assert encoding_of(char) == "gsm7"
    assert count(char) == SegmentInfo("gsm7", 1, 1)


@pytest.mark.parametrize("char", list(GSM_EXTENSION))
def test_every_extension_character_is_gsm7_and_costs_two(char: str) -> None:
    assert encoding_of(char) == "gsm7"
    assert count(char) == SegmentInfo("gsm7", 2, 1)


@pytest.mark.parametrize("char", list(NOT_GSM))
def test_characters_outside_gsm_make_the_text_ucs2(char: str) -> None:
    assert encoding_of("Hello " + char) == "ucs2"
    assert count("Hello " + char).encoding == "ucs2"


def test_uppercase_c_cedilla_is_gsm_but_lowercase_is_not() -> None:
    assert encoding_of("Ç") == "gsm7"
    assert encoding_of("ç") == "ucs2"


# --- empty and frozen -----------------------------------------------------------------


def test_empty_text_is_one_empty_segment() -> None:
    assert count("") == SegmentInfo("gsm7", 0, 1)
    assert split("") == [""]


def test_segment_info_is_frozen() -> None:
    info = count("hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.segments = 2  # type: ignore[misc]


# --- GSM-7 boundaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (159, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm_boundaries(length: int, segments: int) -> None:
    text = "a" * length
    assert count(text) == SegmentInfo("gsm7", length, segments)
    parts = split(text)
    assert len(parts) == segments
    assert "".join(parts) == text


def test_gsm_161_splits_153_then_8() -> None:
    assert [len(p) for p in split("a" * 161)] == [153, 8]


def test_gsm_307_splits_153_153_1() -> None:
    assert [len(p) for p in split("b" * 307)] == [153, 153, 1]


def test_gsm_160_is_a_single_part_not_153() -> None:
    assert split("c" * 160) == ["c" * 160]


def test_extension_characters_count_double() -> None:
    assert count("{}") == SegmentInfo("gsm7", 4, 1)
    assert count("€" * 80) == SegmentInfo("gsm7", 160, 1)
    assert count("€" * 80 + "a") == SegmentInfo("gsm7", 161, 2)
    assert count("a" * 158 + "€") == SegmentInfo("gsm7", 160, 1)
    assert count("a" * 159 + "€") == SegmentInfo("gsm7", 161, 2)


def test_escape_pair_at_the_153_boundary_goes_whole_to_next_part() -> None:
    text = "a" * 152 + "€" + "b" * 10
    assert split(text) == ["a" * 152, "€" + "b" * 10]
    assert count(text) == SegmentInfo("gsm7", 164, 2)


def test_escape_pair_that_fits_exactly_stays_in_the_part() -> None:
    text = "a" * 151 + "€" + "b" * 10
    assert split(text) == ["a" * 151 + "€", "b" * 10]


def test_escape_pushed_over_can_cost_an_extra_segment() -> None:
    # 152 + 2 + 152 = 306 septets would fit in two parts of 153 if pairs could split.
    text = "a" * 152 + "€" + "b" * 152
    assert count(text) == SegmentInfo("gsm7", 306, 3)
    assert split(text) == ["a" * 152, "€" + "b" * 151, "b"]


def test_all_extension_long_text_packs_76_per_part() -> None:
    parts = split("|" * 100)
    assert [len(p) for p in parts] == [76, 24]
    assert count("|" * 100).segments == 2


def test_euro_makes_a_long_text_need_more_segments() -> None:
    plain = "x" * 300
    assert count(plain).segments == 2
    assert count(plain + "€" * 4).segments == 3
    assert count(plain + "e" * 4).segments == 2


# --- UCS-2 boundaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_boundaries(length: int, segments: int) -> None:
    text = "ж" * length
    assert count(text) == SegmentInfo("ucs2", length, segments)
    parts = split(text)
    assert len(parts) == segments
    assert all(len(p) <= (70 if segments == 1 else 67) for p in parts)
    assert "".join(parts) == text


def test_ucs2_71_splits_67_then_4() -> None:
    assert [len(p) for p in split("ж" * 71)] == [67, 4]


def test_gsm_extension_chars_cost_one_in_a_ucs2_text() -> None:
    assert count("ж€{") == SegmentInfo("ucs2", 3, 1)


def test_chinese_text_is_ucs2() -> None:
    text = "您的订单已发货，预计明天送达。"
    assert count(text) == SegmentInfo("ucs2", len(text), 1)


def test_long_chinese_text_splits_at_67() -> None:
    text = "订单" * 40  # 80 units
    assert count(text) == SegmentInfo("ucs2", 80, 2)
    assert [len(p) for p in split(text)] == [67, 13]


def test_russian_text_is_ucs2() -> None:
    text = "Ваш заказ отправлен и будет доставлен завтра."
    assert encoding_of(text) == "ucs2"
    assert count(text) == SegmentInfo("ucs2", len(text), 1)


def test_acme_signature_makes_the_text_ucs2() -> None:
    body = "Your order #1234 has shipped and will arrive tomorrow. Track it at acme.example"
    assert count(body) == SegmentInfo("gsm7", len(body), 1)
    signed = "【Acme】" + body
    assert count(signed) == SegmentInfo("ucs2", len(signed), 2)


def test_emoji_counts_two_units() -> None:
    assert count("😀") == SegmentInfo("ucs2", 2, 1)
    assert count("😀" * 35) == SegmentInfo("ucs2", 70, 1)
    assert count("😀" * 35 + "a") == SegmentInfo("ucs2", 71, 2)
    assert [len(p) for p in split("😀" * 35 + "a")] == [33, 3]


def test_emoji_at_the_67_boundary_is_not_split() -> None:
    text = "ж" * 66 + "😀" + "ж" * 10
    assert count(text) == SegmentInfo("ucs2", 78, 2)
    assert split(text) == ["ж" * 66, "😀" + "ж" * 10]
    assert len(utf16_units(split(text)[0])) == 66


def test_emoji_that_fits_exactly_stays_in_the_part() -> None:
    text = "ж" * 65 + "😀" + "ж" * 10
    assert split(text) == ["ж" * 65 + "😀", "ж" * 10]


def test_pushed_emoji_can_cost_an_extra_segment() -> None:
    text = "ж" * 66 + "😀" + "ж" * 66  # 134 units, would be 2 parts if pairs could split
    assert count(text) == SegmentInfo("ucs2", 134, 3)
    assert split(text) == ["ж" * 66, "😀" + "ж" * 65, "ж"]


# --- properties ----------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
GSM_CHARS = st.sampled_from(GSM_BASIC)
EXT_CHARS = st.sampled_from(GSM_EXTENSION)

GSM_TEXT = st.text(alphabet=st.one_of(GSM_CHARS, EXT_CHARS), max_size=700)
BASIC_TEXT = st.text(alphabet=GSM_CHARS, max_size=500)
UCS2_TEXT = st.text(alphabet=st.one_of(GSM_CHARS, EXT_CHARS, CJK, EMOJI), max_size=400)
ANY_TEXT = st.one_of(st.text(max_size=300), GSM_TEXT, BASIC_TEXT, UCS2_TEXT)


def check_invariants(text: str) -> None:
    info = count(text)
    parts = split(text)
    assert "".join(parts) == text
    assert len(parts) == info.segments >= 1
    assert all(parts) or parts == [""]
    if info.encoding == "gsm7":
        assert info.units == len(septets(text))
        limit_one, limit_many = 160, 153
        sizes = [len(septets(p)) for p in parts]
        for part in parts:
            assert not septets(part) or septets(part)[-1] != ESC
    else:
        assert info.units == len(utf16_units(text))
        limit_one, limit_many = 70, 67
        sizes = [len(utf16_units(p)) for p in parts]
        for part in parts:
            units = utf16_units(part)
            assert not 0xDC00 <= units[0] <= 0xDFFF
            assert not 0xD800 <= units[-1] <= 0xDBFF
    assert sum(sizes) == info.units
    if info.units <= limit_one:
        assert len(parts) == 1
    else:
        assert all(size <= limit_many for size in sizes)
        # Greedy: nothing more from the next part would have fit.
        for size, following in zip(sizes, parts[1:], strict=False):
            assert size + unit_cost(following[0], info.encoding) > limit_many


@settings(max_examples=300)
@given(ANY_TEXT)
def test_split_and_count_agree_for_any_text(text: str) -> None:
    check_invariants(text)


@settings(max_examples=200)
@given(GSM_TEXT)
def test_gsm_text_is_gsm7(text: str) -> None:
    assert encoding_of(text) == "gsm7"
    check_invariants(text)


@settings(max_examples=200)
@given(UCS2_TEXT.filter(lambda t: not set(t) <= GSM_ALL))
def test_texts_with_cjk_or_emoji_are_ucs2(text: str) -> None:
    assert encoding_of(text) == "ucs2"
    check_invariants(text)


@settings(max_examples=100)
@given(st.text(alphabet=EMOJI, min_size=30, max_size=200), st.text(alphabet=CJK, max_size=3))
def test_emoji_heavy_parts_never_exceed_67_units(emoji: str, prefix: str) -> None:
    text = prefix + emoji
    info = count(text)
    assert info.encoding == "ucs2"
    assert info.units == len(prefix) + 2 * len(emoji)
    check_invariants(text)
