"""How deep text from outside may nest: brackets inside strings are text, not levels."""

from __future__ import annotations

import json

import pytest

from tidings.adapters.contract import MAX_DEPTH, array_items, loads, too_deep


def test_the_limit_itself_passes_and_one_level_more_is_refused_where_it_opens():
    assert too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH) is None
    assert too_deep('{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH) is None
    assert too_deep('{"a":' * (MAX_DEPTH + 1)) == 5 * MAX_DEPTH


def test_many_brackets_side_by_side_are_one_level():
    assert too_deep("[" + "[]," * 1000 + "[]]") is None


def test_brackets_in_strings_even_after_escaped_quotes_are_text():
    text = json.dumps(['\\"[' * 100, {"k": "{" * 100}])
    assert too_deep(text) is None
    assert json.loads(text) == loads(text)


def test_loads_refuses_deep_bytes_as_bad_json_naming_the_place():
    with pytest.raises(json.JSONDecodeError, match=r"nested deeper than 64 .* \(char 64\)"):
        loads(b"[" * 200_000)


def test_an_arrays_elements_come_with_their_own_text():
    text = ' [ {"id": "e1", "n": [1, 2]} ,\n"x", 3 ] \n'
    assert array_items(text) == [({"id": "e1", "n": [1, 2]}, '{"id": "e1", "n": [1, 2]}'),
                                 ("x", '"x"'), (3, "3")]  # fmt: skip
    assert array_items("[]") == array_items(" [ ] ") == []


@pytest.mark.parametrize(
    ("text", "error"),
    [("{}", "expected an array"), ("[1,]", "Expecting value"), ("[1 2]", "expected ',' or ']'"),
     ("[1] [2]", "extra data after the array"), ("[1", "expected ',' or ']'"),
     ("[" + "[" * 5000, "nested deeper than 64")],
)  # fmt: skip
def test_what_is_no_array_of_json_values_is_refused_where_it_goes_wrong(text, error):
    with pytest.raises(json.JSONDecodeError, match=error):
        array_items(text)
