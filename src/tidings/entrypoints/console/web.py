"""The console's pages: one Jinja environment per language (autoescaped, gettext from the
catalogues compiled in memory at start-up), Babel filters, and the one `render` every view
ends with.

The rule: a template formats (`|money`, `|number`, `|datetime` in the store's time zone) and
translates every word; a view hands it a page of facts. One template serves the whole page
and, for a request that asks for one block (`X-Console-Block`), that block alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from tidings.domain.times import zone
from tidings.entrypoints.console.charts import (
    HEIGHT,
    SPARK_HEIGHT,
    SPARK_WIDTH,
    WIDTH,
    sparkline,
    volume_bars,
)

HERE = Path(__file__).parent
LANGUAGES = {"zh-CN": "zh_CN", "en": "en", "ru": "ru"}  # the page's tag: the catalogue's name
NAMES = {"zh-CN": "中文", "en": "English", "ru": "Русский"}
DEFAULT = "en"
BLOCK_HEADER = "X-Console-Block"


@cache
def translations(lang: str) -> Translations:
    """The language's catalogue, compiled from its .po in memory (no .mo is ever kept)."""
    path = HERE / "locales" / LANGUAGES[lang] / "LC_MESSAGES" / "console.po"
    with path.open("rb") as source:
        catalogue = read_po(source, locale=LANGUAGES[lang])
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain="console")


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(number=number, money=money, percent=percent, datetime=when, date=day,
                       target=target)  # fmt: skip
    env.globals.update(
        languages=NAMES,
        volume_bars=volume_bars,
        chart=(WIDTH, HEIGHT),
        with_lang=with_lang,
        sparkline=sparkline,
        spark=(SPARK_WIDTH, SPARK_HEIGHT),
    )
    return env


def choose(request: Request, store_locale: str | None = None) -> str:
    """The page's language: `lang` given now, else the cookie of an earlier choice, else the
    browser's Accept-Language, else the store's locale, else English."""
    for asked in (request.query_params.get("lang"), request.cookies.get("lang")):
        if asked in LANGUAGES:
            return asked
    return browser(request.headers.get("accept-language", "")) or _ours(store_locale) or DEFAULT


def browser(header: str) -> str | None:
    """The first of the browser's languages (by q) that the console speaks."""
    weighted = []
    for n, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        weighted.append((-weight, n, tag.strip()))
    for _, _, tag in sorted(weighted):
        if found := _ours(tag):
            return found
    return None


def with_lang(request: Request, lang: str) -> str:
    """This page's address in another language (its period and filters kept)."""
    return "?" + urlencode({**request.query_params, "lang": lang})


def _ours(tag: str | None) -> str | None:
    """zh-* reads the Chinese (simplified) pages, ru-* the Russian, en-* the English."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return {"zh": "zh-CN", "ru": "ru", "en": "en"}.get(primary)


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    block: str | None = None,
    store_locale: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page, or its `block` alone when the request asks for that block."""
    lang = choose(request, store_locale or getattr(request.state, "store_locale", None))
    page = environment(lang).get_template(template)
    values = {"lang": lang, "locale": Locale.parse(LANGUAGES[lang]), "request": request}
    values |= context
    if block and request.headers.get(BLOCK_HEADER) == block:
        html = "".join(page.blocks[block](page.new_context(values)))
    else:
        html = page.render(values)
    response = HTMLResponse(html, status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def table(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A table as CSV; a cell that a spreadsheet would read as a formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})  # fmt: skip


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


# --- filters: figures and times in the page's language, times in the store's zone --------


@pass_context
def number(ctx: Context, value: int | float | Decimal | None) -> str:
    return "–" if value is None else format_decimal(value, locale=ctx["locale"])


@pass_context
def money(ctx: Context, value: Decimal | None, currency: str) -> Markup | str:
    """An amount in the page's language; its currency's letters (CN¥) are data, not words."""
    if value is None:
        return "–"
    if not currency:
        return number(ctx, value)
    shown = format_currency(value, currency, locale=ctx["locale"])
    return Markup('<span class="money" translate="no">{}</span>').format(shown)


@pass_context
def percent(ctx: Context, value: float | None) -> str:
    return "–" if value is None else format_percent(value, "#,##0.0%", locale=ctx["locale"])


SIGNS = {">=": "≥", "<=": "≤"}  # how a person writes a score target's direction


@pass_context
def target(ctx: Context, value: float, direction: str, rate: bool) -> str:
    """A score target as a person writes it: "≥ 95 %" in the page's language (a rate in the
    locale's percent pattern, with the decimals it has: 0.5 %), "≤ 30" for a mean."""
    locale = ctx["locale"]
    shown = (
        format_percent(value, locale=locale, decimal_quantization=False)
        if rate
        else format_decimal(value, locale=locale)
    )
    return f"{SIGNS.get(direction, direction)}\u00a0{shown}"


@pass_context
def when(ctx: Context, value: datetime | None, timezone: str) -> str:
    if value is None:
        return "–"
    return format_datetime(value, "short", tzinfo=zone(timezone), locale=ctx["locale"])


@pass_context
def day(ctx: Context, value: date | None, form: str = "medium") -> str:
    return "–" if value is None else format_date(value, form, locale=ctx["locale"])
