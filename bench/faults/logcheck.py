"""Counting what the event log holds against what the editors typed.

For every ``doc:`` stream: the events, the Yjs struct ranges each event carries (two events
carrying the same struct are a duplicate), whether every struct of an event was written with
a Yjs client id of the event's author (else a misattribution), and the markers of the text
rebuilt from the log alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pycrdt

import events
from bench.faults.editors import TEXT, Editor, markers_in
from ycodec.lib0 import Reader
from ycodec.structs import skip_item  # the one walker of the v1 encoding

_GC, _SKIP = 0, 10


def struct_ranges(update: bytes) -> list[tuple[int, int, int]]:
    """(client, first clock, end clock) of each run of structs an update carries."""
    reader = Reader(update)
    ranges: list[tuple[int, int, int]] = []
    for _ in range(reader.var_uint()):
        count = reader.var_uint()
        client = reader.var_uint()
        clock = reader.var_uint()
        start = clock
        for _ in range(count):
            info = reader.byte()
            kind = info & 0x1F
            if kind == _SKIP:
                if clock > start:
                    ranges.append((client, start, clock))
                clock += reader.var_uint()
                start = clock
                continue
            clock += reader.var_uint() if kind == _GC else skip_item(reader, info, kind)
        if clock > start:
            ranges.append((client, start, clock))
    return ranges


@dataclass
class LogCount:
    events: int = 0
    duplicates: int = 0  # events carrying a struct an earlier event of the stream carried
    misattributed: int = 0  # events with a struct of a client id not the author's
    foreign_rows: int = 0  # events by anyone who is not one of the editors
    markers: Counter[str] = field(default_factory=Counter)
    duplicate_details: list[str] = field(default_factory=list)
    authors: Counter[str] = field(default_factory=Counter)


async def count_log(database_url: str, document_ids: Sequence[str],
                    editors: Sequence[Editor]) -> LogCount:
    owner = {editor.client_id: editor.person_id for editor in editors}
    people = {editor.person_id for editor in editors}
    result = LogCount()
    store = await events.open_store(database_url)
    try:
        for document_id in document_ids:
            logged = await store.read_stream(f"doc:{document_id}")
            rebuilt: pycrdt.Doc[Any] = pycrdt.Doc()
            carried: dict[int, list[tuple[int, int]]] = {}
            carried_by: dict[int, list[tuple[int, int, str]]] = {}
            for event in logged:
                result.events += 1
                author = event.actor.person_id
                result.authors[author] += 1
                if author not in people:
                    result.foreign_rows += 1
                ranges = struct_ranges(event.payload)
                if any(owner.get(client) != author for client, _, _ in ranges):
                    result.misattributed += 1
                if any(first < seen_end and seen_first < end
                       for client, first, end in ranges
                       for seen_first, seen_end in carried.get(client, [])):
                    result.duplicates += 1
                    result.duplicate_details.append(
                        f"position {event.position} (version {event.stream_version}, "
                        f"{author}, {event.recorded_at:%H:%M:%S.%f}) repeats structs "
                        f"{ranges} of {first_carrier(ranges, carried_by)}")
                for client, first, end in ranges:
                    carried.setdefault(client, []).append((first, end))
                    carried_by.setdefault(client, []).append(
                        (first, end, f"position {event.position} "
                         f"({event.recorded_at:%H:%M:%S.%f})"))
                rebuilt.apply_update(event.payload)
            result.markers.update(markers_in(str(rebuilt.get(TEXT, type=pycrdt.Text))))
    finally:
        await store.close()
    return result


def first_carrier(ranges: list[tuple[int, int, int]],
                  carried_by: dict[int, list[tuple[int, int, str]]]) -> str:
    for client, first, end in ranges:
        for seen_first, seen_end, where in carried_by.get(client, []):
            if first < seen_end and seen_first < end:
                return where
    return "?"


def tally(log: LogCount, editors: Sequence[Editor]) -> dict[str, Any]:
    """The figures every scenario prints: all must be exact (0 lost, 0 duplicated, 0
    misattributed). Each editor's copy is checked against the edits typed in its document."""
    typed: dict[str, list[str]] = {}
    for editor in editors:
        typed.setdefault(editor.document_id, []).extend(
            f"[{editor.tag}.{n}]" for n in range(editor.typed))
    every = [marker for markers in typed.values() for marker in markers]
    missing_in_copies = duplicated_in_copies = 0
    fewest = len(every)
    for editor in editors:
        copy = editor.markers()
        expected = typed[editor.document_id]
        missing_in_copies += sum(1 for m in expected if copy[m] == 0)
        duplicated_in_copies += sum(1 for m in expected if copy[m] > 1)
        fewest = min(fewest, sum(1 for m in expected if copy[m]))
    logged = log.markers
    return {
        "edits_sent": len(every),
        "edits_in_log": sum(1 for m in every if logged[m] >= 1),
        "edits_in_every_final_doc": missing_in_copies == 0,
        "lost": sum(1 for m in every if logged[m] == 0) + missing_in_copies,
        "duplicated": duplicated_in_copies + sum(1 for m in every if logged[m] > 1)
        + log.duplicates,
        "misattributed": log.misattributed,
        "events_in_log": log.events,
        "rows_by_others": log.foreign_rows,
        **({"duplicate_events": log.duplicate_details[:10]} if log.duplicates else {}),
    }
