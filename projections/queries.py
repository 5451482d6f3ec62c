"""The questions people ask of the projections, answered as JSON-ready data.

Shared by the HTTP API and the command line. Every function reads the projection tables
and, where a state is needed, replays the log from the nearest stored state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.record import Actor, Stakeholder, format_timestamp
from events.store import EventStore
from httpapi.params import looks_whole, whole_number

from . import heavy, workers
from .documents import DOC_PREFIX
from .negotiation import accepted_clients, history_entry, review_stream
from .readcache import cache_of
from .replay import read_events, read_replay
from .storage import Storage
from .summary import EventChanges

HISTORY_FILTERS = {  # the log's own columns (``events.rows.MATCHABLE``)
    "person": "actor_person_id", "org": "actor_org_id", "stakeholder": "actor_stakeholder",
    "stage": "stage", "session": "session_id",
}
CONTRIBUTION_FILTERS = {
    "person": "person_id", "org": "org_id", "stakeholder": "stakeholder", "stage": "stage",
    "session": "session_id", "plan": "plan_id", "document": "document_id",
}
CONTRIBUTION_GROUPS = {
    "person": ("person_id", "person_name", "org_id", "org_name", "stakeholder"),
    "org": ("org_id", "org_name", "stakeholder"),
    "stakeholder": ("stakeholder",),
    "document": ("document_id",),
    "stage": ("stage",),
    "session": ("session_id",),
    "plan": ("plan_id",),
}
MAX_PAGE = 500


class QueryError(ValueError):
    """A request the projections cannot answer as asked; the message says why."""


class NotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Version:
    """Which version of a document to show: a stage snapshot, a position, or now."""

    position: int | None  # None: now
    label: str
    state: bytes | None = None  # the snapshot's stored state, when it is one


def _where(filters: dict[str, str], allowed: dict[str, str]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in filters.items():
        if name not in allowed:
            raise QueryError(f"unknown filter {name!r}; use one of {', '.join(allowed)}")
        clauses.append(f"{allowed[name]} = ?")
        params.append(value)
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


async def history(
    storage: Storage, store: EventStore, document_id: str, *, filters: dict[str, str],
    after: int = 0, limit: int = 50,
) -> dict[str, Any]:
    """Events of a document after position ``after``, oldest first, with summaries. The log
    itself is the list of events; the projections only make the replay of the page quick."""
    if not 1 <= limit <= MAX_PAGE:
        raise QueryError(f"limit must be between 1 and {MAX_PAGE}")
    _where(filters, HISTORY_FILTERS)  # refuses unknown filters
    match = {HISTORY_FILTERS[name]: value for name, value in filters.items()}
    page = await store.read_stream_matching(
        DOC_PREFIX + document_id, match, after_position=after, limit=limit + 1
    )
    if not page and after == 0 and not filters:
        await _require_document(storage, store, document_id)
    # Comments, suggestions and decisions on the document are part of its history too.
    notes = await store.read_stream_matching(
        review_stream(document_id), match, after_position=after, limit=limit + 1
    )
    merged = sorted([*page, *notes], key=lambda event: event.position)
    more = len(merged) > limit
    merged = merged[:limit]
    page = [event for event in merged if event.stream_id.startswith(DOC_PREFIX)]
    details: dict[int, EventChanges] = {}
    if page:
        replay = await read_replay(storage, store, document_id, page[0].position - 1)
        logged = await read_events(store, document_id, replay.last_version, page[-1].position)
        details = await workers.run(heavy.event_changes, replay, logged,
                                    {event.position for event in page})
    events = []
    for event in page:
        actor, context = event.actor, event.context
        changes = details.get(event.position)
        if actor.stakeholder is Stakeholder.SYSTEM and (changes is None or not changes.parts()):
            continue  # the server mirroring the negotiation into ``review``: listed as such
        events.append({
            "position": event.position, "stream_version": event.stream_version,
            "actor": {"person_id": actor.person_id, "name": actor.name,
                      "org_id": actor.org_id, "org_name": actor.org_name,
                      "stakeholder": str(actor.stakeholder)},
            "plan_id": context.plan_id, "stage": context.stage,
            "session_id": context.session_id,
            "recorded_at": format_timestamp(event.recorded_at),
            "inserted": changes.inserted_chars() if changes is not None else 0,
            "deleted": changes.deleted_chars() if changes is not None else 0,
            "summary": changes.summary() if changes is not None else "",
            "summary_id": changes.summary_id() if changes is not None else "",
            "summary_parts": changes.parts() if changes is not None else [],
            "changes": changes.as_json() if changes is not None else {},
            "kind": event.type,
        })
    events += [history_entry(event) for event in merged
               if not event.stream_id.startswith(DOC_PREFIX)]
    events.sort(key=lambda entry: int(str(entry["position"])))
    return {
        "document_id": document_id, "events": events,
        "next_after": merged[-1].position if more else None,
    }


async def content_at(
    storage: Storage, store: EventStore, document_id: str, *, position: int | None = None,
    moment: datetime | None = None,
) -> dict[str, Any]:
    if moment is not None:
        position = await store.stream_position_at(DOC_PREFIX + document_id, moment)
    await _require_document(storage, store, document_id)
    cache = cache_of(storage)
    # A position already in the log is history: the document there never changes.
    fixed = position is not None and position <= (await store.head()).position
    key = ("content", document_id, position)
    if fixed:
        kept = cache.get(key)
        if kept is not None:
            return dict(kept)
    replay = await read_replay(storage, store, document_id, position)
    found: dict[str, Any] = await workers.run(heavy.content, replay)
    if fixed:
        cache.put(key, found)
    return dict(found)


async def _require_document(storage: Storage, store: EventStore, document_id: str) -> None:
    row = await storage.fetchone("SELECT 1 FROM doc_state WHERE document_id = ?", document_id)
    if row is None and not await store.stream_version(f"doc:{document_id}"):
        raise NotFound(f"no document {document_id!r}")


async def attribution(
    storage: Storage, store: EventStore, document_id: str, position: int | None = None,
) -> dict[str, Any]:
    await _require_document(storage, store, document_id)
    replay = await read_replay(storage, store, document_id, position)
    # Words of accepted suggestions are the suggester's (marked with who accepted them).
    accepted = await accepted_clients(store, document_id, position)
    found: dict[str, Any] = await workers.run(heavy.attribution, replay, accepted)
    deletions = await deleted_text(storage, document_id, 0, found["position"])
    return {"document_id": document_id, **found, "deletions": deletions}


async def deleted_text(
    storage: Storage, document_id: str, after: int, upto: int,
) -> list[dict[str, Any]]:
    """Who deleted whose text, in characters, between two positions."""
    rows = await storage.fetch(
        "SELECT w.person_id, w.person_name, w.org_id, w.org_name, w.stakeholder, "
        "d.author_id, SUM(d.chars) FROM doc_deletion d JOIN doc_who w ON w.id = d.who "
        "WHERE d.document_id = ? AND d.position > ? "
        "AND d.position <= ? GROUP BY w.person_id, w.person_name, w.org_id, w.org_name, "
        "w.stakeholder, d.author_id ORDER BY w.person_id, d.author_id",
        document_id, after, upto,
    )
    return [
        {"deleted_by": {"person_id": r[0], "name": r[1], "org_id": r[2], "org_name": r[3],
                        "stakeholder": r[4]},
         "written_by": r[5], "chars": int(r[6])}
        for r in rows
    ]


async def snapshots(storage: Storage, document_id: str) -> list[dict[str, Any]]:
    rows = await storage.fetch(
        "SELECT label, next_stage, plan_id, position, stream_version, recorded_at "
        "FROM stage_snapshot WHERE document_id = ? ORDER BY position", document_id,
    )
    return [
        {"label": r[0], "next_stage": r[1], "plan_id": r[2], "position": r[3],
         "stream_version": r[4], "recorded_at": r[5]}
        for r in rows
    ]


async def resolve_version(storage: Storage, document_id: str, ref: str) -> Version:
    """``draft2`` (a stage snapshot), ``1234`` (a position) or ``now``."""
    if ref == "now":
        return Version(None, "now")
    if looks_whole(ref):
        return Version(whole_number(ref, "position"), ref)
    row = await storage.fetchone(
        "SELECT position, state FROM stage_snapshot WHERE document_id = ? AND label = ?",
        document_id, ref,
    )
    if row is None:
        raise NotFound(f"document {document_id!r} has no snapshot {ref!r}")
    return Version(int(row[0]), ref, bytes(row[1]))


async def compare_versions(
    storage: Storage, store: EventStore, document_id: str, from_ref: str, to_ref: str,
) -> dict[str, Any]:
    await _require_document(storage, store, document_id)
    older = await resolve_version(storage, document_id, from_ref)
    newer = await resolve_version(storage, document_id, to_ref)
    before = await read_replay(storage, store, document_id, older.position)
    after = await read_replay(storage, store, document_id, newer.position)
    before_at, after_at = before.at, after.at
    if before_at > after_at:
        raise QueryError(f"{from_ref!r} is later than {to_ref!r}; swap them")
    result = {
        "document_id": document_id,
        "from": {"ref": from_ref, "position": before_at},
        "to": {"ref": to_ref, "position": after_at},
    }
    # Both versions are fixed by the positions they reflect ("now" too: an edit moves it);
    # who deleted what comes from the projections, complete once they reach ``after_at``.
    cache = cache_of(storage)
    key = ("compare", document_id, from_ref, to_ref, before_at, after_at)
    kept = cache.get(key)
    if kept is not None:
        return {**result, "sections": kept}
    deleters: dict[str, set[str]] = {}
    deleting: dict[str, Actor] = {}
    for row in await deleted_text(storage, document_id, before_at, after_at):
        person = row["deleted_by"]
        deleters.setdefault(row["written_by"], set()).add(person["person_id"])
        deleting.setdefault(person["person_id"], Actor(
            person["person_id"], person["name"], person["org_id"], person["org_name"],
            Stakeholder(person["stakeholder"]),
        ))
    sections = await workers.run(
        heavy.comparison, before, older.state, after, newer.state, deleters,
        list(deleting.values()),
        await accepted_clients(store, document_id, older.position),
        await accepted_clients(store, document_id, newer.position))
    if await _projected_until(storage) >= after_at:
        cache.put(key, sections)
    return {**result, "sections": sections}


async def _projected_until(storage: Storage) -> int:
    row = await storage.fetchone("SELECT MAX(position) FROM projection_checkpoint")
    return int(row[0]) if row is not None and row[0] is not None else 0


async def contributions(
    storage: Storage, *, filters: dict[str, str], group_by: list[str],
    store: EventStore | None = None,
) -> list[dict[str, Any]]:
    if "section" in group_by:
        if store is None or "document" not in filters:
            raise QueryError("grouping by section needs document= (one commitment at a time)")
        return await section_contributions(storage, store, filters, group_by)
    where, params = _where(filters, CONTRIBUTION_FILTERS)
    columns: list[str] = []
    for group in group_by or ["person"]:
        if group not in CONTRIBUTION_GROUPS:
            raise QueryError(
                f"cannot group by {group!r}; use one of {', '.join(CONTRIBUTION_GROUPS)}"
            )
        columns += [c for c in CONTRIBUTION_GROUPS[group] if c not in columns]
    listed = ", ".join(columns)
    rows = await storage.fetch(
        f"SELECT {listed}, SUM(inserted), SUM(deleted), SUM(edits), MIN(first_at), "
        f"MAX(last_at), SUM(comments), SUM(suggestions), SUM(decisions) FROM contribution "
        f"WHERE 1 = 1{where} GROUP BY {listed} "
        f"ORDER BY {listed}", *params,
    )
    out = []
    for row in rows:
        item: dict[str, Any] = dict(zip(columns, row[: len(columns)], strict=True))
        inserted, deleted, edits, first_at, last_at, comments, suggestions, decisions = (
            row[len(columns):])
        item.update({"inserted": int(inserted), "deleted": int(deleted), "edits": int(edits),
                     "first_at": first_at, "last_at": last_at, "comments": int(comments),
                     "suggestions": int(suggestions), "decisions": int(decisions)})
        out.append(item)
    return out


async def section_contributions(
    storage: Storage, store: EventStore, filters: dict[str, str], group_by: list[str],
) -> list[dict[str, Any]]:
    """Per section, replayed from the log with the change recorder: characters inserted and
    deleted, edits, first and last contribution of each person in each stage and session."""
    _where(filters, CONTRIBUTION_FILTERS)  # refuses unknown filters
    document_id = filters["document"]
    wanted = {CONTRIBUTION_FILTERS[k]: v for k, v in filters.items() if k != "document"}
    for group in group_by:
        if group != "section" and group not in CONTRIBUTION_GROUPS:
            raise QueryError(f"cannot group by {group!r}")
    await _require_document(storage, store, document_id)
    replay = await read_replay(storage, store, document_id, 0)
    logged = await read_events(store, document_id, replay.last_version, None)
    totals: list[dict[str, Any]] = await workers.run(heavy.section_totals, replay, logged, wanted)
    return totals
