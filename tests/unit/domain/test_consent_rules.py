from datetime import UTC, datetime

import pytest

from tidings.domain.consent import consent_reason, keyword
from tidings.domain.state import Customer, PhoneOptOut

T = datetime(2026, 11, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["STOP", " stop ", "Unsubscribe", "td", "退订", "стоп", "Отписаться", "QUIT\n"]
)
def test_opt_out_words(text):
    assert keyword(text) == "opt_out"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("start", "opt_in"),
        ("UNSTOP", "opt_in"),
        ("help", "help"),
        (" Info ", "help"),
        ("please stop", None),
        ("STOP!", None),
    ],
)
def test_other_words(text, word):
    assert keyword(text) == word


def test_consent_by_kind():
    unknown, yes, no = (
        Customer("s", "c", sms_consent=v, sms_consent_at=T) for v in (None, True, False)
    )
    assert consent_reason("service", unknown, None) is None
    assert consent_reason("marketing", unknown, None) == "no_consent"
    assert consent_reason("marketing", yes, None) is None
    assert consent_reason("service", no, None) == "opted_out"
    stopped = PhoneOptOut("s", "+1", opted_out=True, changed_at=T)
    assert consent_reason("service", yes, stopped) == "opted_out"
    restarted = PhoneOptOut("s", "+1", opted_out=False, changed_at=T)
    assert consent_reason("service", yes, restarted) is None
    assert consent_reason("marketing", yes, restarted) == "no_consent"
