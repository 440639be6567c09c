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
from tidings.entrypoints.args import database_options
from tidings.entrypoints.outcomes_cli import _app, _NoDatabase, _pair
from tidings.services.provider_templates import approval_view, template_view


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
    database_options(ls)
    ls.set_defaults(run=_list)
    ex = cmds.add_parser("export", help="each step's text in the provider's syntax (JSON)")
    _common(ex)
    ex.add_argument("--locale", default="", help="default: the store's")
    ex.set_defaults(run=_export)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store id")
    parser.add_argument("--provider", required=True, help="the configured provider's name")
    database_options(parser)


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
        return template_view(done)

    return _run(args, use)


def _list(args: argparse.Namespace) -> int:
    return _run(
        args, lambda app: [template_view(t) for t in app.templates(args.store, args.provider)]
    )


def _export(args: argparse.Namespace) -> int:
    def use(app: bootstrap.App) -> list[dict[str, Any]]:
        found = app.for_approval(args.store, args.provider, args.locale)
        return [approval_view(one) for one in found]

    return _run(args, use)
