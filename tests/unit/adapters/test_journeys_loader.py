"""A seller's journeys file: a text that is no template is refused, named where it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tidings.adapters.journeys_loader import load
from tidings.domain.errors import InvalidJourney

FILE = """
[anniversary]
kind = "marketing"
subject = "customer"
campaign = 2026-11-20T10:00:00

[[anniversary.steps]]
name = "greeting"
at = "campaign"
template.en = "{{ store.name }} turns one today"
template.ru = {ru}
title.en = {title}
"""


@pytest.mark.parametrize(
    ("ru", "title", "where"),
    [
        ('"{{ store.name "', '"Hello"', "journey anniversary step greeting ru"),
        ('["ok {{ store.name }}", "{% if %}"]', '"Hello"', "journey anniversary step greeting ru"),
        ('"fine"', '"{{ oops"', "journey anniversary step greeting title.en"),
    ],
    ids=["text", "a-variant", "title"],
)
def test_a_text_that_is_no_template_is_refused_naming_it(
    tmp_path: Path, ru: str, title: str, where: str
) -> None:
    path = tmp_path / "journeys.toml"
    path.write_text(FILE.replace("{ru}", ru).replace("{title}", title), "utf-8")

    with pytest.raises(InvalidJourney, match=f"{path}: {where}: TemplateSyntaxError"):
        load(path)


def test_a_file_of_good_templates_loads(tmp_path: Path) -> None:
    path = tmp_path / "journeys.toml"
    path.write_text(FILE.replace("{ru}", '"{{ store.name }}"').replace("{title}", '"Hi"'), "utf-8")

    assert "anniversary" in load(path).journeys
