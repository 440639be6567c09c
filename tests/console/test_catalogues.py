"""Every word of the console's templates is in each catalogue, translated in zh-CN and ru."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import tidings.entrypoints.console as console_package

HERE = Path(console_package.__file__).parent
OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def _used() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for template in sorted((HERE / "templates").glob("*.html")):
        for _, message, _, _ in extract_from_file(babel_extract, str(template), options=OPTIONS):
            found.add(message)
    return found


def _catalogue(name: str):  # type: ignore[no-untyped-def]
    with (HERE / "locales" / name / "LC_MESSAGES" / "console.po").open("rb") as source:
        return read_po(source, locale=name)


def test_the_templates_use_words():
    assert len(_used()) > 50


@pytest.mark.parametrize("name", ["zh_CN", "ru", "en"])
def test_each_word_is_in_the_catalogue(name):
    catalogue = _catalogue(name)
    missing = [m for m in _used() if catalogue.get(m if isinstance(m, str) else m[0]) is None]
    assert missing == []


@pytest.mark.parametrize(("name", "forms"), [("zh_CN", 1), ("ru", 3)])
def test_each_word_is_translated_with_every_plural_form(name, forms):
    catalogue = _catalogue(name)
    assert catalogue.num_plurals == forms
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{name}: {message.id!r} is not translated"
        if message.pluralizable:
            assert len(strings) == forms, f"{name}: {message.id!r} lacks plural forms"


@pytest.mark.parametrize("name", ["zh_CN", "ru"])
def test_a_catalogue_keeps_the_placeholders_of_each_word(name):
    for message in _catalogue(name):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {p for p in ("%(num)s",) if p in ids[0]}
        assert all(wanted <= {p for p in wanted if p in s} for s in strings), message.id


@pytest.mark.parametrize("name", ["zh_CN", "ru", "en"])
def test_each_catalogue_is_well_formed(name):
    """An entry without its msgstr (a slip of a merge) is refused, not warned about."""
    with (HERE / "locales" / name / "LC_MESSAGES" / "console.po").open("rb") as source:
        read_po(source, locale=name, abort_invalid=True)
