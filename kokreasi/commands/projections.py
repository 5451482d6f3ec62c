"""``kokreasi rebuild`` and ``kokreasi replay``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any, TextIO

import events
from kokreasi import settings as settings_module
from projections.queries import content_at, history
from projections.runner import ProjectionRunner
from projections.storage import open_storage

BAR_WIDTH = 30


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


class ProgressBar:
    """``[#####-----]  50%  130000/260000 events  41000 ev/s  0:00:03 left`` on one line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Looked up when the bar is made, not when this module was imported: stderr may
        # have been replaced since (a test's capture, a redirecting caller).
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.first: int | None = None

    def __call__(self, position: int, head: int) -> None:
        if self.first is None:
            self.first = 0
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = position / elapsed
        fraction = position / head if head else 1.0
        left = (head - position) / rate if rate > 0 else 0.0
        filled = int(BAR_WIDTH * fraction)
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:4.0%} "
            f"{position}/{head} events  {rate:,.0f} ev/s  "
            f"{time.strftime('%H:%M:%S', time.gmtime(left))} left"
        )
        self.stream.flush()

    def done(self, folded: int) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\nrebuilt from {folded} events in {elapsed:.1f} s\n")


def run_rebuild(args: argparse.Namespace) -> int:
    settings = settings_module.load(args)

    async def main() -> None:
        store = await events.open_store(settings.database_url)
        try:
            storage = await open_storage(settings.database_url)
            try:
                bar = ProgressBar()
                folded = await ProjectionRunner(store, storage).rebuild(bar)
                bar.done(folded)
            finally:
                await storage.close()
        finally:
            await store.close()

    asyncio.run(main())
    return 0


def run_replay(args: argparse.Namespace) -> int:
    settings = settings_module.load(args)

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

    result = asyncio.run(main())
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
