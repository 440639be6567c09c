"""Provider texts lose the phones and emails they quote before they are recorded or logged."""

from __future__ import annotations

from tidings.adapters.redact import scrub


def test_phones_and_emails_are_masked_and_codes_are_kept():
    text = "21211: The 'To' number +8613800138000 is not valid; 8613900139000 neither (HTTP 400)"
    assert scrub(text) == (
        "21211: The 'To' number +86138****8000 is not valid; 86139****9000 neither (HTTP 400)"
    )
    assert scrub("550 5.1.1 <ana.li@mail.example>: no such user") == (
        "550 5.1.1 <an***@mail.example>: no such user"
    )


def test_ids_that_carry_digits_are_left_alone():
    assert scrub("SM0123456789abcdef msg_12345678 30003") == "SM0123456789abcdef msg_12345678 30003"
