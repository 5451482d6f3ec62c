"""Writing the audit bundle of one plan (the format is in ``audit.lines``).

What is given in full: every event of a stream in which the plan appears (so each document's
CRDT history is complete and can be replayed), the plan's own stream, and every checkpoint.
Every other position is "withheld": its record hash only, enough for the Merkle roots. The
header, signed (``audit.header``), lists the streams given in full with their event counts
and carries a checkpoint of the whole exported log signed at export.

An input the Secretariat hid (``input.hidden``, on the plan's stream, given in full) is
withheld: its stream's positions carry their record hashes only, so the bundle proves what
was submitted without repeating abusive text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from events.record import RecordedEvent, format_timestamp, utc_now
from events.store import EventStore
from process.domain import INPUT_HIDDEN, input_stream, plan_stream

from .checkpoints import CHECKPOINT_STREAM, DEFAULT_ORIGIN, checkpoint_of, create_checkpoint
from .header import StreamCount, commitment_stream, sign_header, streams_json
from .keys import Keyring, Signer
from .lines import FORMAT, dumps, event_line, withheld_line

PAGE = 2000

Progress = Callable[[int, int], None]
"""Called with (positions done, positions in all) while a long export runs."""


class UnknownPlan(ValueError):
    """The log holds nothing of the plan asked for."""


async def _streams_of_plan(store: EventStore, plan_id: str, size: int) -> list[StreamCount]:
    """The streams given in full, with how many events each has up to ``size``."""
    streams = {plan_stream(plan_id), CHECKPOINT_STREAM}
    hidden: set[str] = set()
    counts: dict[str, tuple[int, int]] = {}  # stream: events, last position
    after = 0
    while after < size:
        batch = await store.read_all(after_position=after, limit=min(PAGE, size - after))
        if not batch:
            break
        for event in batch:
            counts[event.stream_id] = (counts.get(event.stream_id, (0, 0))[0] + 1,
                                       event.position)
            if event.context.plan_id == plan_id:
                streams.add(event.stream_id)
            document = commitment_stream(event, plan_id)
            if document is not None:
                streams.add(document)
            if event.type == INPUT_HIDDEN and event.stream_id == plan_stream(plan_id):
                hidden.add(input_stream(str(event.json_payload()["input_id"])))
        after = batch[-1].position
    return [StreamCount(s, *counts.get(s, (0, 0))) for s in streams - hidden]


async def export_bundle(
    store: EventStore,
    plan_id: str,
    out: TextIO,
    *,
    signer: Signer,
    keyring: Keyring | None = None,
    record_checkpoint: bool = False,
    origin: str = DEFAULT_ORIGIN,
    progress: Progress | None = None,
) -> int:
    """Write the bundle of ``plan_id`` to ``out``; return the number of positions written.

    The header is signed with ``signer`` and carries a checkpoint of the whole exported log
    signed at export, which is not recorded: exporting writes nothing unless
    ``record_checkpoint`` asks to record a fresh checkpoint in the log first (the command
    line does; a GET must not). ``keyring``: further public keys to publish in the header."""
    if not await store.stream_version(plan_stream(plan_id)):
        raise UnknownPlan(f"the log holds no plan {plan_id!r}")
    if record_checkpoint:
        await ensure_fresh_checkpoint(store, signer, origin=origin)
    keys = Keyring([*(keyring or Keyring()).values(), *signer.keyring.values()])
    head = await store.head()
    size = head.position
    streams = await _streams_of_plan(store, plan_id, size)
    at_export = await checkpoint_of(store, signer, size, origin=origin)
    header = {
        "kind": "header",
        "format": FORMAT,
        "plan": plan_id,
        "origin": origin,
        "exported_at": format_timestamp(utc_now()),
        "tree_size": size,
        "head_hash": head.hash.hex(),
        "public_keys": keys.to_json(),
        "streams": streams_json(streams),
        "checkpoint": at_export.to_json(),
    }
    out.write(dumps(sign_header(header, signer)))
    full = {count.stream_id for count in streams}
    after = 0
    while after < size:
        batch = await store.read_all(after_position=after, limit=min(PAGE, size - after))
        if not batch:
            raise RuntimeError(f"the log ended at position {after}, before its head {size}")
        for event in batch:
            out.write(dumps(_line(event, full)))
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
