"""`tidings users create|list|remove`: the people who sign in to the seller's console."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tidings import bootstrap
from tidings.entrypoints.args import database_options, settings_of
from tidings.services import people


def register(sub: Any) -> None:
    """Add `users` to the `tidings` parser's subcommands."""
    users = sub.add_parser("users", help="people who sign in to the console (/console)")
    actions = users.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="a new user of one store")
    create.add_argument("--store", required=True, help="the store the user belongs to")
    create.add_argument("--email", required=True, help="the email the user signs in with")
    create.add_argument("--role", choices=people.ROLES, default="staff", help="default staff")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input "
        "(else one is generated and printed this once)",
    )  # fmt: skip
    database_options(create)
    create.set_defaults(run=_create)
    listing = actions.add_parser("list", help="the users, of one store or of all")
    listing.add_argument("--store", help="only this store's")
    database_options(listing)
    listing.set_defaults(run=_list)
    remove = actions.add_parser("remove", help="remove a user; their sessions end at once")
    remove.add_argument("--store", required=True)
    remove.add_argument("--email", required=True)
    database_options(remove)
    remove.set_defaults(run=_remove)


def _create(args: argparse.Namespace) -> int:
    generated = not args.password_stdin
    password = people.new_password() if generated else sys.stdin.readline().rstrip("\r\n")
    app = bootstrap.build(settings_of(args))
    try:
        with app.console_unit_of_work() as uow:
            user = people.create_user(
                uow, app.passwords, store=args.store, email=args.email, role=args.role,
                password=password, at=app.clock(),
            )  # fmt: skip
            uow.commit()
    except people.InvalidUser as exc:
        print(f"tidings: users create: {exc}", file=sys.stderr)
        return 2
    finally:
        app.close()
    if generated:
        print(password)
        print("tidings: the password is shown only this once", file=sys.stderr)
    print(f"tidings: {user.role} {user.email} of store {user.store_id!r}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        with app.console_unit_of_work() as uow:
            found = uow.people.users(args.store)
    finally:
        app.close()
    for user in found:
        print(f"{user.store_id}\t{user.email}\t{user.role}\t{user.created_at.isoformat()}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        with app.console_unit_of_work() as uow:
            done = uow.people.remove_user(args.store, args.email.strip().lower())
            uow.commit()
    finally:
        app.close()
    print("tidings: removed" if done else "tidings: no such user", file=sys.stderr)
    return 0 if done else 1
