"""``kokreasi verify``: recompute the hash chain of the log and name the first bad position,
then check every signed checkpoint against the stored record hashes (a log re-hashed after an
edit keeps an intact chain, but no longer matches what was signed).
``kokreasi migrate``: apply pending schema migrations (the server also does it at start-up)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from audit.logcheck import run_check
from events import migrations, open_store
from kokreasi import settings as settings_module

from .common import existing_log_settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="check that no stored event was changed, removed or reordered",
        description="Recompute every event's hash and link from the stored bytes, then check "
        "every signed checkpoint against them. Exits 0 if the whole log verifies, 1 naming "
        "the first bad position or checkpoint otherwise, 2 if the log or the keys cannot be "
        "read.",
    )
    settings_module.add_arguments(parser)
    parser.add_argument("--from", dest="from_position", type=int, default=1, metavar="POSITION",
                        help="first position to check (default 1)")
    parser.add_argument("--to", dest="to_position", type=int, default=None, metavar="POSITION",
                        help="last position to check (default: the head, which is also checked)")
    parser.add_argument("--keys", type=Path, metavar="KEYS.json",
                        help="the published public keys (GET /api/audit/keys) to check the "
                        "signed checkpoints with; default: the data directory's")
    parser.set_defaults(handler=run_verify)

    migrate: argparse.ArgumentParser = subparsers.add_parser(
        "migrate",
        help="apply pending schema migrations of the event log",
        description="Create the event log if needed and bring its schema to the latest "
        "version. Stored events are never rewritten.",
    )
    settings_module.add_arguments(migrate)
    migrate.set_defaults(handler=run_migrate)


async def _verify(settings: settings_module.Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings.database_url)
    try:
        report = await store.verify(from_position=args.from_position,
                                    to_position=args.to_position)
        if not report.ok:
            print(f"FAILED at position {report.first_bad_position}: {report.reason} "
                  f"({report.checked} events verified before it)", file=sys.stderr)
            return 1
        print(f"ok: {report.checked} events verified; head at position "
              f"{report.head.position}, hash {report.head.hash.hex()}")
        return await run_check(store, keys_file=args.keys, data_dir=settings.data_dir)
    finally:
        await store.close()


def run_verify(args: argparse.Namespace) -> int:
    return asyncio.run(_verify(existing_log_settings(args), args))


async def _migrate(database_url: str) -> int:
    store = await open_store(database_url)  # opening applies what is pending
    await store.close()
    backend = "sqlite" if database_url.startswith("sqlite:") else "postgres"
    print(f"ok: event log schema at version {migrations.load(backend)[-1].version}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(settings_module.load(args).database_url))
