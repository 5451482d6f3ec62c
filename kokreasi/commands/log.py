"""``kokreasi verify``: recompute the hash chain of the log and name the first bad position.
``kokreasi migrate``: apply pending schema migrations (the server also does it at start-up)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from events import migrations, open_store
from kokreasi import settings as settings_module

from .common import existing_log_settings


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
    parser.set_defaults(handler=run_verify)

    migrate: argparse.ArgumentParser = subparsers.add_parser(
        "migrate",
        help="apply pending schema migrations of the event log",
        description="Create the event log if needed and bring its schema to the latest "
        "version. Stored events are never rewritten.",
    )
    settings_module.add_arguments(migrate)
    migrate.set_defaults(handler=run_migrate)


async def _verify(database_url: str, from_position: int, to_position: int | None) -> int:
    store = await open_store(database_url)
    try:
        report = await store.verify(from_position=from_position, to_position=to_position)
    finally:
        await store.close()
    if report.ok:
        print(f"ok: {report.checked} events verified; head at position "
              f"{report.head.position}, hash {report.head.hash.hex()}")
        return 0
    print(f"FAILED at position {report.first_bad_position}: {report.reason} "
          f"({report.checked} events verified before it)", file=sys.stderr)
    return 1


def run_verify(args: argparse.Namespace) -> int:
    settings = existing_log_settings(args)
    return asyncio.run(_verify(settings.database_url, args.from_position, args.to_position))


async def _migrate(database_url: str) -> int:
    store = await open_store(database_url)  # opening applies what is pending
    await store.close()
    backend = "sqlite" if database_url.startswith("sqlite:") else "postgres"
    print(f"ok: event log schema at version {migrations.load(backend)[-1].version}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(settings_module.load(args).database_url))
