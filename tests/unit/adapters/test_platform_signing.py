"""Known answers of the TOP and JOS signatures: the digests were computed apart from this code
(`md5sum` and `openssl dgst -md5 -hmac`) over the strings the platforms' references describe."""

from __future__ import annotations

import pytest

from tidings.adapters.platform_signing import joined, sign, signed_right

TOP_EXAMPLE = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}  # the TOP reference's own


def test_the_parameters_are_joined_sorted_by_name_without_the_sign_and_empty_values() -> None:
    assert joined({**TOP_EXAMPLE, "sign": "X", "empty": ""}) == "bar2foo1foo_bar3foobar4"


def test_top_md5_wraps_the_joined_parameters_in_the_secret() -> None:
    assert sign("secret", TOP_EXAMPLE) == "4B4AC0F2D69BA521FFDE55A2BBEE3025"


def test_top_hmac_keys_an_hmac_md5_with_the_secret() -> None:
    assert sign("secret", TOP_EXAMPLE, "hmac") == "26C775E5D0EB124C248184BFA79CA514"


def test_a_jos_call_signs_its_json_parameter_as_text() -> None:
    params = {
        "method": "jingdong.pop.order.get",
        "app_key": "K",
        "access_token": "T",
        "timestamp": "2026-11-11 10:00:00",
        "v": "2.0",
        "360buy_param_json": '{"orderId":"1"}',
    }
    assert sign("sk", params) == "B369D24655BFD2155F09DD8781CEDD3C"


def test_a_request_is_checked_against_its_own_sign_in_either_case() -> None:
    good = {**TOP_EXAMPLE, "sign": "4b4ac0f2d69ba521ffde55a2bbee3025"}
    assert signed_right("secret", good)
    assert not signed_right("secret", {**good, "foo": "2"})
    assert not signed_right("secret", TOP_EXAMPLE)  # no sign at all


def test_an_unknown_method_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="sha1"):
        sign("secret", TOP_EXAMPLE, "sha1")  # type: ignore[arg-type]
