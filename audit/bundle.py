"""Writing the audit bundle of one plan (the format is in ``audit.lines``).

What is given in full: every event of a stream in which the plan appears (so each document's
CRDT history is complete and can be replayed), the plan's own stream, and every checkpoint.
Every other position is "withheld": its record hash only, enough for the Merkle roots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from events.record import RecordedEvent, format_timestamp, utc_now
from events.store import EventStore

from .checkpoints import CHECKPOINT_STREAM, DEFAULT_ORIGIN, create_checkpoint
from .keys import Keyring, Signer
from .lines import FORMAT, dumps, event_line, withheld_line

PAGE = 2000
COMMITMENT_CREATED = "commitment.created"

Progress = Callable[[int, int], None]
"""Called with (positions done, positions in all) while a long export runs."""


class UnknownPlan(ValueError):
    """The log holds nothing of the plan asked for."""


def plan_stream(plan_id: str) -> str:
    return f"plan:{plan_id}"


async def _streams_of_plan(store: EventStore, plan_id: str, size: int) -> set[str]:
    streams = {plan_stream(plan_id), CHECKPOINT_STREAM}
    after = 0
    while after < size:
        batch = await store.read_all(after_position=after, limit=min(PAGE, size - after))
        if not batch:
            break
        for event in batch:
            if event.context.plan_id == plan_id:
                streams.add(event.stream_id)
            elif event.stream_id == plan_stream(plan_id) and event.type == COMMITMENT_CREATED:
                # A commitment's document belongs to the plan even if some update of it was
                # recorded without the plan's context.
                document = event.json_payload().get("document_id")
                if isinstance(document, str):
                    streams.add(f"doc:{document}")
        after = batch[-1].position
    return streams


async def export_bundle(
    store: EventStore,
    plan_id: str,
    out: TextIO,
    *,
    keyring: Keyring,
    signer: Signer | None = None,
    origin: str = DEFAULT_ORIGIN,
    progress: Progress | None = None,
) -> int:
    """Write the bundle of ``plan_id`` to ``out``; return the number of positions written.

    With ``signer``, a fresh checkpoint is recorded first, so the whole bundle up to that
    checkpoint is covered by a signature and not only by the chain."""
    if not await store.stream_version(plan_stream(plan_id)):
        raise UnknownPlan(f"the log holds no plan {plan_id!r}")
    if signer is not None:
        await ensure_fresh_checkpoint(store, signer, origin=origin)
        keyring = Keyring([*keyring.values(), *signer.keyring.values()])
    head = await store.head()
    size = head.position
    streams = await _streams_of_plan(store, plan_id, size)
    header = {
        "kind": "header",
        "format": FORMAT,
        "plan": plan_id,
        "origin": origin,
        "exported_at": format_timestamp(utc_now()),
        "tree_size": size,
        "head_hash": head.hash.hex(),
        "public_keys": keyring.to_json(),
        "streams": sorted(streams),
    }
    out.write(dumps(header))
    after = 0
    while after < size:
        batch = await store.read_all(after_position=after, limit=min(PAGE, size - after))
        if not batch:
            raise RuntimeError(f"the log ended at position {after}, before its head {size}")
        for event in batch:
            out.write(dumps(_line(event, streams)))
        after = batch[-1].position
        if progress is not None:
            progress(after, size)
    return size


async def ensure_fresh_checkpoint(
    store: EventStore, signer: Signer, *, origin: str = DEFAULT_ORIGIN
) -> None:
    """Sign a checkpoint unless the newest one is already the last event of the log, so that
    exporting twice in a row does not grow the log by a checkpoint each time."""
    head = await store.head()
    version = await store.stream_version(CHECKPOINT_STREAM)
    if version:
        newest = await store.read_stream(CHECKPOINT_STREAM, after_version=version - 1)
        if newest and newest[0].position == head.position:
            return
    await create_checkpoint(store, signer, origin=origin)


def _line(event: RecordedEvent, streams: set[str]) -> dict[str, object]:
    if event.stream_id in streams:
        return event_line(event)
    return withheld_line(event.position, event.hash)
