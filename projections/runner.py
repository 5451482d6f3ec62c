"""The one impure part of the projections: read the log after the checkpoint, fold, store.

Each flush writes the fold's rows and the new checkpoint position in ONE transaction, after
checking that the stored checkpoint is still the one this runner started from. So a crash at
any point leaves the tables exactly as of some earlier checkpoint, a restart continues from
there, and a second runner on the same database can never apply an event twice: the one that
finds the checkpoint moved reloads its state from the tables instead of writing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from events.catalog import CRDT_UPDATE
from events.store import EventStore

from .documents import DOC_PREFIX, DocumentState, actor_from_json
from .fold import Changes, ProjectionFold, contribution_row
from .latest import BASE_COLUMNS, BASE_TABLES, EMPTY_STATE
from .replay import READ_PAGE
from .storage import Storage, Transaction

log = logging.getLogger("kokreasi.projections")

NAME = "kokreasi"
READ_BATCH = 20000  # fewer flushes, each with a state per document, on a rebuild
FLUSH_INTERVAL = 0.1
FOLD_SLICE = 2000  # events folded between two chances for a server's other tasks (~10 ms)

DOC_WHO_COLUMNS = (
    "id", "person_id", "person_name", "org_id", "org_name", "stakeholder", "plan_id", "stage",
    "session_id",
)

Progress = Callable[[int, int], None]  # (position reached, head position)


class StaleCheckpoint(Exception):
    """Another runner stored events past this runner's checkpoint; reload before writing."""


class ProjectionRunner:
    def __init__(
        self, store: EventStore, storage: Storage, *, batch_size: int = READ_BATCH,
        before_checkpoint: Callable[[], Any] | None = None,
    ) -> None:
        self.store = store
        self.storage = storage
        self.batch_size = batch_size
        self.fold = ProjectionFold()
        self.position = 0
        # A test hook run inside the transaction after the rows, before the checkpoint.
        self._before_checkpoint = before_checkpoint
        self._flush_lock = asyncio.Lock()
        self._pending = False
        self._broken = False
        self.caught_up = asyncio.Event()
        self._advanced = asyncio.Condition()

    async def load(self) -> None:
        """Resume from the stored checkpoint and the document states stored with it."""
        async with self.storage.transaction() as tx:
            await tx.execute(
                "INSERT INTO projection_checkpoint (name, position) VALUES (?, 0) "
                "ON CONFLICT (name) DO NOTHING", NAME,
            )
            rows = await tx.fetch("SELECT position FROM projection_checkpoint WHERE name = ?",
                                  NAME)
            states = await tx.fetch(
                "SELECT s.document_id, s.plan_id, s.stream_version, s.position, "
                "s.checkpoint_version, s.checkpoint_bytes, s.bindings, length(s.state), "
                f"COALESCE(length(c.state), 0), {BASE_COLUMNS} FROM {BASE_TABLES}"
            )
            whos = await tx.fetch(f"SELECT {', '.join(DOC_WHO_COLUMNS)} FROM doc_who")
        documents: dict[str, DocumentState] = {}
        for (document_id, plan_id, version, position, checkpoint_version, checkpoint_bytes,
             raw, inline, checkpoint_size, state, base_version, _) in states:
            bindings = {int(c): actor_from_json(a) for c, a in json.loads(raw).items()}
            restored = documents[document_id] = DocumentState.restore(
                document_id, bytes(state or EMPTY_STATE), plan_id=plan_id,
                version=int(base_version), position=int(position),
                checkpoint_version=int(checkpoint_version), bindings=bindings,
                checkpoint_bytes=int(checkpoint_bytes), checkpoint_size=int(checkpoint_size),
                inline=bool(inline),
            )
            await self._refold_tail(restored, int(version))
        self.fold.close()
        self.fold = ProjectionFold(documents, {tuple(row[1:]): int(row[0]) for row in whos})
        self.position = int(rows[0][0])
        async with self._advanced:
            self._advanced.notify_all()
        self._pending = False
        self._broken = False

    async def _refold_tail(self, state: DocumentState, version: int) -> None:
        """A large document's row stands for its checkpoint: apply the log after it, up to
        the row's version (what the fold had already counted), to the document alone."""
        stream = DOC_PREFIX + state.document_id
        while state.version < version:
            rows = await self.store.read_stream_rows(
                stream, after_version=state.version, until_position=state.position,
                limit=READ_PAGE,
            )
            for row in rows:
                if row[3] == CRDT_UPDATE:
                    state.apply_logged(row[4])
                state.version = row[2]
            if not rows:
                raise RuntimeError(f"the log lacks events of {stream} that doc_state counts")

    async def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every projection row and fold the whole log again; returns events folded.
        A server's runner on the same database notices (its checkpoint moved) and reloads."""
        await self.storage.clear()
        await self.load()
        return await self.follow_until_head(progress)

    async def catch_up(self, progress: Progress | None = None) -> int:
        """Fold everything the log holds now; returns how many events that was.

        On PostgreSQL, batch n is stored while batch n+1 is folded (stores stay in order,
        each in its own transaction with its checkpoint); on SQLite one step at a time
        (``Storage.stores_elsewhere``). Reading is never overlapped: the rows are built in
        this process, so a read-ahead only competes with the fold (measured)."""
        head = (await self.store.head()).position
        folded = 0
        after = self.position
        writing: asyncio.Future[None] | None = None
        try:
            while True:
                with _collector_paused():
                    batch = await self.store.read_rows(after_position=after,
                                                       limit=self.batch_size)
                    for start in range(0, len(batch), FOLD_SLICE):
                        if start:
                            await asyncio.sleep(0)  # a server's other tasks go on meanwhile
                        self.fold.apply_rows(batch[start : start + FOLD_SLICE])
                if not batch:
                    break
                after = batch[-1][0]
                self._pending = True
                folded += len(batch)
                changes = self._take()
                if writing is not None:
                    await writing
                    if progress is not None:
                        progress(self.position, max(head, self.position))
                if changes is not None:
                    writing = asyncio.ensure_future(self._store_locked(changes))
                    if not self.storage.stores_elsewhere:
                        await writing
            if writing is not None:
                await writing
                writing = None
        finally:
            if writing is not None and not writing.done():
                with contextlib.suppress(BaseException):
                    await writing
        if progress is not None:
            progress(self.position, max(head, self.position))
        return folded

    async def flush(self) -> None:
        """Store what the fold produced since the last flush. Raises ``StaleCheckpoint``
        when another runner got there first; then ``load()`` before going on."""
        changes = self._take()
        if changes is not None:
            await self._store_locked(changes)

    def _take(self) -> Changes | None:
        if self._broken:
            raise RuntimeError("a failed flush left the fold ahead of the tables; load()")
        if not self._pending:
            return None
        self._pending = False
        return self.fold.drain()

    async def _store_locked(self, changes: Changes) -> None:
        async with self._flush_lock:
            try:
                async with self.storage.transaction() as tx:
                    await self._write(tx, changes)
            except StaleCheckpoint:
                log.info("another runner moved the projections on; reload to go on")
                self._broken = True
                raise
            except BaseException:
                # The fold is ahead of the tables now: only a reload makes them agree again.
                self._broken = True
                raise
            self.position = changes.position
        async with self._advanced:
            self._advanced.notify_all()

    async def wait_until(self, position: int) -> None:
        async with self._advanced:
            await self._advanced.wait_for(lambda: self.position >= position)

    async def _write(self, tx: Transaction, changes: Changes) -> None:
        rows = await tx.fetch(
            "SELECT position FROM projection_checkpoint WHERE name = ? FOR UPDATE"
            if _is_postgres(self.storage) else
            "SELECT position FROM projection_checkpoint WHERE name = ?", NAME,
        )
        if not rows or int(rows[0][0]) != self.position:
            raise StaleCheckpoint()
        await tx.insert_many("doc_who", DOC_WHO_COLUMNS, changes.whos)
        await tx.insert_many(
            "doc_deletion", ("document_id", "position", "who", "author_id", "chars"),
            changes.deletions,
        )
        await tx.insert_many(
            "doc_checkpoint", ("document_id", "stream_version", "position", "state"),
            changes.checkpoints,
        )
        await tx.executemany(
            "INSERT INTO stage_snapshot (document_id, label, next_stage, plan_id, position, "
            "stream_version, recorded_at, state) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (document_id, label) DO UPDATE SET next_stage = excluded.next_stage, "
            "plan_id = excluded.plan_id, position = excluded.position, "
            "stream_version = excluded.stream_version, recorded_at = excluded.recorded_at, "
            "state = excluded.state", changes.snapshots,
        )
        await tx.executemany(
            "INSERT INTO contribution (document_id, plan_id, stage, session_id, person_id, "
            "person_name, org_id, org_name, stakeholder, inserted, deleted, edits, first_at, "
            "last_at, first_position, last_position, comments, suggestions, decisions) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (document_id, stage, session_id, person_id, org_id) DO UPDATE SET "
            "inserted = contribution.inserted + excluded.inserted, "
            "deleted = contribution.deleted + excluded.deleted, "
            "edits = contribution.edits + excluded.edits, last_at = excluded.last_at, "
            "comments = contribution.comments + excluded.comments, "
            "suggestions = contribution.suggestions + excluded.suggestions, "
            "decisions = contribution.decisions + excluded.decisions, "
            "last_position = excluded.last_position, person_name = excluded.person_name, "
            "org_name = excluded.org_name",
            [contribution_row(k, c) for k, c in changes.contributions.items()],
        )
        await tx.executemany(
            "INSERT INTO doc_state (document_id, plan_id, stream_version, position, "
            "checkpoint_version, checkpoint_bytes, state, bindings) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (document_id) DO UPDATE SET plan_id = excluded.plan_id, "
            "stream_version = excluded.stream_version, position = excluded.position, "
            "checkpoint_version = excluded.checkpoint_version, "
            "checkpoint_bytes = excluded.checkpoint_bytes, state = excluded.state, "
            "bindings = excluded.bindings", changes.doc_states,
        )
        if self._before_checkpoint is not None:
            self._before_checkpoint()
        await tx.execute(
            "UPDATE projection_checkpoint SET position = ? WHERE name = ?",
            changes.position, NAME,
        )

    async def follow_until_head(self, progress: Progress | None = None) -> int:
        """Catch up to the log's head as it is now, reloading whenever another runner got
        there first (what ``follow`` does, without then waiting for live appends)."""
        while True:
            try:
                return await self.catch_up(progress)
            except StaleCheckpoint:
                await self.load()

    async def follow(self) -> None:
        """Catch up, then fold live appends as they come, until cancelled."""
        while True:
            await self.load()
            try:
                await self.catch_up()
                self.caught_up.set()
                await self._follow_live()
                return
            except StaleCheckpoint:
                continue

    async def _follow_live(self) -> None:
        live = asyncio.create_task(self._consume())
        try:
            while not live.done():
                await asyncio.wait({live}, timeout=FLUSH_INTERVAL)
                await self.flush()
            live.result()
        finally:
            live.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await live

    async def _consume(self) -> None:
        async for row in self.store.subscribe_rows(after_position=self.position):
            self.fold.apply_row(row)
            self._pending = True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch is read and folded: neither makes cycles,
    but their many small objects (a row each, a record each on PostgreSQL) would start a
    collection every few hundred events, each walking the objects of the whole process
    (measured: a seventh of a rebuild's time). Other tasks that run meanwhile only go
    without cycle collection for the tenth of a second a batch takes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _is_postgres(storage: Storage) -> bool:
    from .storage import PostgresStorage

    return isinstance(storage, PostgresStorage)
