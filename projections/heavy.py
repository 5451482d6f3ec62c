"""The CPU half of the heavy reads, run in a worker (``projections.workers``).

Each function takes what the event loop read (a ``Replay``: a stored state and the log's
events after it; snapshot states; who deleted whose text) and returns JSON-ready data. They are
module-level functions of plain data so that a worker process can run them.
"""

from __future__ import annotations

from typing import Any

from commitment.template import SECTIONS, TITLE, read_commitment
from events.record import Actor

from .attribution import Blame, attribute
from .diff import compare
from .replay import Replay


def content(replay: Replay) -> dict[str, Any]:
    current = replay.build()
    return {
        "document_id": replay.document_id, "position": current.position,
        "stream_version": current.version,
        "content": read_commitment(current.doc).as_json(),
    }


def blame(replay: Replay, state: bytes | None = None) -> tuple[Blame, int]:
    """Who wrote what in the document ``replay`` rebuilds, or in ``state`` (a stage snapshot's
    stored state) with the bindings the replay knows; and the position it stands for."""
    current = replay.build()
    return attribute(state if state is not None else current.state(), current.bindings), \
        current.position


def attribution(replay: Replay) -> dict[str, Any]:
    found, at = blame(replay)
    return {"position": at, **found.as_json()}


def comparison(
    before: Replay, before_state: bytes | None, after: Replay, after_state: bytes | None,
    deleters: dict[str, set[str]], deleting: list[Actor],
) -> dict[str, Any]:
    """The word diff of every section between two versions; ``deleting``: the people who
    deleted text in between, so that they can be named."""
    older, _ = blame(before, before_state)
    newer, _ = blame(after, after_state)
    for person in deleting:
        newer.people.setdefault(person.person_id, person)
    return compare(older, newer, [TITLE, *SECTIONS], deleters)
