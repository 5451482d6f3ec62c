"""``kokreasi rebuild`` and ``kokreasi replay``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import events
from kokreasi import settings as settings_module
from projections.queries import NotFound, content_at, history
from projections.runner import ProjectionRunner
from projections.storage import open_storage

from ..progress import ProgressBar
from .common import CommandError, existing_log_settings


def register(subparsers: Any) -> None:
    rebuild = subparsers.add_parser(
        "rebuild", help="drop the projections and fold the whole log again",
        description="Drop every projection table row and rebuild them from position 0 of the "
        "log, showing progress and the time left on stderr. The log itself is not touched.",
    )
    settings_module.add_arguments(rebuild)
    rebuild.set_defaults(handler=run_rebuild)

    replay = subparsers.add_parser(
        "replay", help="show a commitment as it stood at a position of the log",
        description="Print a commitment document's content (JSON) as it stood right after a "
        "global log position, or with --history the events up to it with their summaries.",
    )
    replay.add_argument("document", help="the document id (as in doc:DOCUMENT)")
    replay.add_argument("--at", type=int, default=None, metavar="POSITION",
                        help="global log position (default: now)")
    replay.add_argument("--history", action="store_true",
                        help="list the document's events up to the position instead")
    settings_module.add_arguments(replay)
    replay.set_defaults(handler=run_replay)


def run_rebuild(args: argparse.Namespace) -> int:
    settings = settings_module.load(args)

    async def main() -> None:
        store = await events.open_store(settings.database_url)
        try:
            storage = await open_storage(settings.database_url)
            try:
                bar = ProgressBar(unit="events", force=True)
                folded = await ProjectionRunner(store, storage).rebuild(bar)
                bar.close(f"rebuilt from {folded} events in {bar.elapsed:.1f} s")
            finally:
                await storage.close()
        finally:
            await store.close()

    asyncio.run(main())
    return 0


def run_replay(args: argparse.Namespace) -> int:
    settings = existing_log_settings(args)

    async def main() -> Any:
        store = await events.open_store(settings.database_url)
        try:
            storage = await open_storage(settings.database_url)
            try:
                runner = ProjectionRunner(store, storage)
                await runner.load()
                await runner.catch_up()  # so the answer includes everything logged so far
                if args.history:
                    return await _history_until(storage, store, args.document, args.at)
                return await content_at(storage, store, args.document, position=args.at)
            finally:
                await storage.close()
        finally:
            await store.close()

    try:
        result = asyncio.run(main())
    except NotFound as error:
        raise CommandError(str(error)) from None
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


async def _history_until(
    storage: Any, store: Any, document_id: str, position: int | None
) -> dict[str, Any]:
    collected: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await history(storage, store, document_id, filters={}, after=after, limit=500)
        for event in page["events"]:
            if position is not None and event["position"] > position:
                return {"document_id": document_id, "events": collected}
            collected.append(event)
        if page["next_after"] is None:
            return {"document_id": document_id, "events": collected}
        after = page["next_after"]
