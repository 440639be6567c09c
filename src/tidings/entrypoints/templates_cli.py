"""`tidings templates set|list|export`: a store's approved templates at a template-based SMS
provider (Alibaba Cloud, Tencent Cloud).

The one rule: a step without an approved template is not sent through such a provider, so
`export` writes the texts to submit and `set` registers each code once approved.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tidings import bootstrap
from tidings.domain.errors import TidingsError
from tidings.entrypoints.outcomes_cli import _app, _db, _NoDatabase, _pair


def register(sub: Any) -> None:
    """Add `templates` and its commands to the `tidings` parser's subcommands."""
    top = sub.add_parser("templates", help="approved templates of template-based SMS providers")
    cmds = top.add_subparsers(dest="templates_command", required=True)
    st = cmds.add_parser("set", help="register the approved template of a step and locale")
    _common(st)
    st.add_argument("--step", required=True, help="journey.step, e.g. payment_reminder.first")
    st.add_argument("--locale", required=True, help="e.g. zh-CN")
    st.add_argument("--code", required=True, help="the provider's template code")
    st.add_argument(
        "--var",
        action="append",
        default=[],
        type=_pair,
        metavar="NAME=FIELD",
        help="a variable and the field that fills it (default: the step's own)",
    )
    st.set_defaults(run=_set)
    ls = cmds.add_parser("list", help="a store's registered templates (JSON)")
    ls.add_argument("--store", required=True, help="store id")
    ls.add_argument("--provider", help="only this provider's")
    _db(ls)
    ls.set_defaults(run=_list)
    ex = cmds.add_parser("export", help="each step's text in the provider's syntax (JSON)")
    _common(ex)
    ex.add_argument("--locale", default="", help="default: the store's")
    ex.set_defaults(run=_export)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store id")
    parser.add_argument("--provider", required=True, help="the configured provider's name")
    _db(parser)


def _run(args: argparse.Namespace, use: Any) -> int:
    """Print `use(app)` as JSON; a refusal is a message and exit code 2."""
    try:
        app = _app(args)
    except (_NoDatabase, OSError) as exc:
        print(f"tidings: {exc}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(use(app), ensure_ascii=False, indent=2))
    except (ValueError, TidingsError) as exc:
        print(f"tidings: {exc}", file=sys.stderr)
        return 2
    finally:
        app.db.dispose()
    return 0


def _set(args: argparse.Namespace) -> int:
    def use(app: bootstrap.App) -> dict[str, Any]:
        done = app.set_template(
            args.store, args.provider, args.step, args.locale, args.code, args.var
        )
        return _row(done)

    return _run(args, use)


def _list(args: argparse.Namespace) -> int:
    return _run(args, lambda app: [_row(t) for t in app.templates(args.store, args.provider)])


def _export(args: argparse.Namespace) -> int:
    def use(app: bootstrap.App) -> list[dict[str, Any]]:
        return [
            {
                "step": f"{one.journey}.{one.step}",
                "locale": one.locale,
                "text": one.text,
                "variables": [{"name": n, "field": f} for n, f in one.variables],
                "sample": one.sample,
                **({"problem": one.problem} if one.problem else {}),
            }
            for one in app.for_approval(args.store, args.provider, args.locale)
        ]

    return _run(args, use)


def _row(template: Any) -> dict[str, Any]:
    return {
        "store": template.store_id,
        "provider": template.provider,
        "step": f"{template.journey}.{template.step}",
        "locale": template.locale,
        "code": template.code,
        "variables": [{"name": n, "field": f} for n, f in template.variables],
    }
