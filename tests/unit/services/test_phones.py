"""Phone numbers: each written form parsed once a region, remembered in bounded memory."""

from __future__ import annotations

import pytest

from tidings.services import phones
from tidings.services.phones import to_e164


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phones, "_KNOWN", {})


def test_a_number_is_read_in_its_region_and_a_wrong_one_is_none():
    assert to_e164("138 0013 8000", "CN") == "+8613800138000"
    assert to_e164("8 (912) 345-67-89", "RU") == "+79123456789"
    assert to_e164("138 0013 8000", "RU") is None  # not a Russian number
    assert to_e164("call me", "CN") is None
    assert to_e164(None, "CN") is None and to_e164("", "CN") is None


def test_a_number_written_in_e164_is_its_own_answer_and_is_remembered_so():
    written = "".join(["+86", "13800138000"])  # a string of its own, as a loaded row's
    assert to_e164(written, "CN") is written
    assert phones._KNOWN["CN"] == {written: written}
    assert to_e164("+86 138 0013 8000", "CN") == written  # another way to write it


def test_the_numbers_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(phones, "KNOWN_MAX", 3)
    numbers = [f"+861380013800{i}" for i in range(5)]
    assert [to_e164(n, "CN") for n in numbers] == numbers
    assert phones._KNOWN["CN"] == {n: n for n in numbers[3:]}  # emptied when it held 3
    assert to_e164(numbers[0], "CN") == numbers[0]  # forgotten, parsed again
