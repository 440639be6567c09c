"""China's marketing rules in the defaults of a zh-CN store: R, T, TD and 退订 opt out; the
built-in payment reminder is a service message without debt-collection words."""

from __future__ import annotations

import pytest

from tidings.adapters.journeys_loader import catalogue
from tidings.domain.consent import keyword


@pytest.mark.parametrize("word", ["R", " r ", "T", "TD", "td", "退订"])
def test_a_zh_cn_store_takes_each_as_an_opt_out(word):  # type: ignore[no-untyped-def]
    assert keyword(word, "zh-CN") == "opt_out"


def test_a_lone_r_is_no_word_elsewhere():
    assert keyword("R", "en") is None
    assert keyword("R") is None


@pytest.mark.parametrize(
    "word",
    ["STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPALL", "T", "TD", "N", "退订", "СТОП",
     "ОТПИСАТЬСЯ"],
)  # fmt: skip
def test_the_spec_s_words_still_opt_out_in_every_store(word):  # type: ignore[no-untyped-def]
    assert keyword(word, "en") == keyword(word, "zh-CN") == keyword(word) == "opt_out"


# Words a provider refuses in a service message, as the language of debt collection.
COLLECTION_WORDS = ("催款", "催收", "欠款", "欠费", "逾期", "还款", "追讨", "违约", "法律")


def test_the_payment_reminder_is_a_service_message_without_debt_collection_words():
    journey = catalogue(None).journeys["payment_reminder"]
    assert journey.kind == "service"
    texts = [step.template["zh-CN"] for step in journey.steps]
    assert texts and all(isinstance(t, str) for t in texts)
    assert [w for t in texts for w in COLLECTION_WORDS if w in str(t)] == []
