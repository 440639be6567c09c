"""Provider texts lose the phones and emails they quote before they are recorded or logged."""

from __future__ import annotations

import logging

from tidings.adapters.redact import UrlSecrets, scrub, url


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


def test_page_keys_and_tokens_in_a_path_are_masked_and_the_rest_kept():
    assert url("/t/acme/s1?k=Ab-_9x&lang=ru") == "/t/acme/s1?k=***&lang=ru"
    assert url("/t/acme/s1?lang=ru&k=Ab%2B9") == "/t/acme/s1?lang=ru&k=***"
    assert url("/l/Xy_12-ab") == "/l/***"
    assert url("/hooks/cdek/acme?token=s3cret-of-the-shop") == "/hooks/cdek/acme?token=***"
    assert url("/u/m-1.c2ln%3D") == "/u/***"
    assert url("/v1/messages?kind=service&cursor=abc") == "/v1/messages?kind=service&cursor=abc"
    assert url("/v1/stores/acme/l/x") == "/v1/stores/acme/l/x"  # not a short link


def test_the_filter_masks_the_path_uvicorn_passes_to_its_access_log():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/t/acme/s1?k=Ab9", "1.1", 200), None,
    )  # fmt: skip
    assert UrlSecrets().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /t/acme/s1?k=*** HTTP/1.1" 200'
