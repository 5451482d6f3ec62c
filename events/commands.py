"""``kokreasi verify``: recompute the hash chain of the log and name the first bad position.
``kokreasi migrate``: apply pending schema migrations (the server also does it at start-up).

Parts that ``events`` may not import add their own checks of a verified log to ``verify``
(the audit checks the signed checkpoints: ``audit.logcheck``) through ``log_checks``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from server import settings as settings_module

from . import migrations, open_store
from .errors import EventStoreError
from .sqlite import path_of
from .store import EventStore

LogCheck = Callable[[EventStore, argparse.Namespace], Awaitable[int]]
"""A further check of a log whose chain verified: prints what it found, returns an exit
code (0 fine, 1 tampering found, 2 could not check)."""


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="check that no stored event was changed, removed or reordered",
        description="Recompute every event's hash and link from the stored bytes. Exits 0 if "
        "the whole log verifies, 1 naming the first bad position otherwise, 2 if the log "
        "cannot be read.",
    )
    settings_module.add_arguments(parser)
    parser.add_argument("--from", dest="from_position", type=int, default=1, metavar="POSITION",
                        help="first position to check (default 1)")
    parser.add_argument("--to", dest="to_position", type=int, default=None, metavar="POSITION",
                        help="last position to check (default: the head, which is also checked)")
    parser.set_defaults(handler=run_verify, log_checks=[])

    migrate: argparse.ArgumentParser = subparsers.add_parser(
        "migrate",
        help="apply pending schema migrations of the event log",
        description="Create the event log if needed and bring its schema to the latest "
        "version. Stored events are never rewritten.",
    )
    settings_module.add_arguments(migrate)
    migrate.set_defaults(handler=run_migrate)


async def _verify(database_url: str, args: argparse.Namespace) -> int:
    store = await open_store(database_url)
    try:
        report = await store.verify(from_position=args.from_position,
                                    to_position=args.to_position)
        if not report.ok:
            print(f"FAILED at position {report.first_bad_position}: {report.reason} "
                  f"({report.checked} events verified before it)", file=sys.stderr)
            return 1
        print(f"ok: {report.checked} events verified; head at position "
              f"{report.head.position}, hash {report.head.hash.hex()}")
        check: LogCheck
        for check in args.log_checks:
            code = await check(store, args)
            if code:
                return code
        return 0
    finally:
        await store.close()


def run_verify(args: argparse.Namespace) -> int:
    try:
        # Only the log's location: loading every setting would create a secret on disk.
        _, url = settings_module.log_location(args)
        # Verifying must not create an empty log where none was: that would "verify".
        if url.startswith("sqlite:") and not path_of(url).exists():
            print(f"error: no event log at {path_of(url)}", file=sys.stderr)
            return 2
        return asyncio.run(_verify(url, args))
    except (EventStoreError, settings_module.SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


async def _migrate(database_url: str) -> int:
    store = await open_store(database_url)  # opening applies what is pending
    await store.close()
    backend = "sqlite" if database_url.startswith("sqlite:") else "postgres"
    print(f"ok: event log schema at version {migrations.load(backend)[-1].version}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_migrate(settings_module.load(args).database_url))
    except (EventStoreError, settings_module.SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
