"""Rooms: one live Yjs document per open commitment, and the path of every edit through it.

Write path (one worker task per room, so a room's updates are logged and applied in the order
they arrived): check the update (well formed, writer may write, client ids belong to the
writer, not empty), append it to ``doc:{id}`` and wait for the commit, and only then apply it
to the room's document, send it to the other clients here and publish it to other instances.
An edit that is not in the log is never shown to anyone.

Where this instance is the only writer of its documents (embedded: SQLite and no broker to
other instances), appends are pipelined: the worker submits the next batch while earlier ones
are still being committed, each with the stream version the earlier ones lead to as
``expected_version``, and applies the batches strictly in submission order as their commits
return. A batch cannot commit without the batches before it, since its expected version counts
them and nobody else writes the stream; when one fails, the worker lets every batch in flight
land and sends the failed edits through the one-at-a-time path with its retries. With other
instances writing the same streams, one of them could fill exactly the gap a failed batch left
and let a later batch in first, so there the room keeps one append in flight. Either way the
room's apply order is the log's order.

Everything that changes a room's document or version runs in that worker: client updates,
updates from other instances and catch-ups from the log, so they never interleave. The rooms an
instance holds are kept by ``room_manager.RoomManager``.

Why this is one long module: the worker, its pipelining and its recovery share one room's
state (version, queue, appends in flight) and must change together; whether an update may
enter is decided apart, on bytes alone (``admission.admit``), and presence is relayed apart
(``presence.PresenceRelay``). To split next (#17): the append worker as one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import pycrdt

import ycodec
from events.catalog import CRDT_UPDATE
from events.errors import (
    ConcurrencyError,
    EventStoreError,
    GuardFailed,
    InvalidEventError,
    StoreUnavailable,
)
from events.record import NewEvent
from events.store import EventStore
from identity.access import DocumentAccess, Principal, acting
from ycodec import Outline, outline
from ycodec import Ranges as DeleteSet

from . import protocol
from .admission import Verdict, admit
from .awareness import RoomAwareness, encode_update
from .close_codes import CloseCode
from .fanout import AwarenessFanout, LoggedUpdate, UpdatesMessage, encode_message
from .limits import Limits
from .loading import (
    CheckpointStore,
    LoadedDocument,
    catch_up,
    stream_of,
)
from .metrics import Metrics
from .presence import PresenceRelay
from .updates import (
    ClientBindings,
    add_deletions,
    advance,
    doc_deletions,
)

log = logging.getLogger("kokreasi.rooms")

MAX_BATCH = 256  # updates per append; one group-commit round trip for a busy room
MAX_IN_FLIGHT = 8  # appends of one room submitted and not yet committed, when pipelining
APPEND_RETRIES = 3  # when the database fails
MAX_CONFLICTS = 100  # when other instances keep winning the race for the next version


class Peer(Protocol):
    """What a room needs from a connection: sending never blocks, closing never waits."""

    principal: Principal
    access: DocumentAccess
    wants_saved: bool
    written_clients: set[int]
    last_denied: float

    @property
    def closed(self) -> bool: ...

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True)
class _ClientUpdate:
    peer: Peer
    update: bytes
    received: float
    shape: Outline | None = None  # the update's outline, when the connection walked it


@dataclass(slots=True)
class _Remote:
    message: UpdatesMessage


@dataclass(slots=True)
class _CatchUp:
    pass


ServerEdit = Callable[[pycrdt.Doc[Any]], list[NewEvent]]
"""A change the server makes (``server.document_writer``): given the room's document (read
only), the events to log; raising refuses it and nothing is written."""


@dataclass(slots=True)
class _ServerWrite:
    edit: ServerEdit
    done: asyncio.Future[list[int]]
    guard: dict[str, int] | None = None


_Work = _ClientUpdate | _Remote | _CatchUp | _ServerWrite


@dataclass(slots=True)
class RoomServices:
    store: EventStore
    metrics: Metrics
    limits: Limits
    instance_id: str
    publish: Callable[[str, bytes], None]
    checkpoints: CheckpointStore | None = None
    max_in_flight: int = 1  # appends per room; more only where nobody else writes its streams
    # The policy's answer on a state that has folded the whole log so far: asked when an
    # append's guard failed, i.e. an event that may withdraw access (a stage advance, a
    # deactivation) was logged after the access the edits were checked against.
    decide_again: Callable[[Principal, str], Awaitable[DocumentAccess]] | None = None


@dataclass(slots=True)
class _Accepted:
    peer: Peer
    update: bytes
    writers: dict[int, int]
    received: float
    deletions: DeleteSet


@dataclass(slots=True)
class _InFlight:
    """A batch submitted to the log whose commit the room has not applied yet."""

    accepted: list[_Accepted]
    repeats: list[Peer]  # writers of empty updates, acknowledged once this batch is durable
    expected_version: int
    append: asyncio.Task[list[int]]
    started: float


class _EventIds:
    """Unique event ids without a system call each (``uuid4`` reads the OS's randomness for
    every id, a tenth of a busy room's write path): a random uuid4 whose low 48 bits count."""

    _LOW = (1 << 48) - 1

    def __init__(self) -> None:
        base = uuid.uuid4().int
        self._high = base & ~self._LOW  # keeps uuid4's version and variant bits
        self._low = base & self._LOW
        self._count = itertools.count()

    def next(self) -> str:
        value = f"{self._high | ((self._low + next(self._count)) & self._LOW):032x}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


class Room:
    def __init__(self, document_id: str, loaded: LoadedDocument, services: RoomServices) -> None:
        self.document_id = document_id
        self.stream_id = stream_of(document_id)
        self._loaded = loaded
        self.bindings = ClientBindings(loaded.bindings)
        self.peers: set[Peer] = set()
        self.awareness = RoomAwareness()
        self._services = services
        self._work: deque[_Work] = deque()
        self._in_flight: deque[_InFlight] = deque()
        self._event_ids = _EventIds()
        # What the room's document deletes, kept up to date by every logged update, so that
        # telling a new deletion from a repeat does not read the whole document each time.
        self._deletions: DeleteSet | None = None
        self._wakeup = asyncio.Event()
        self.presence = PresenceRelay(document_id, services.instance_id, lambda: self.peers,
                                      services.publish)
        self._worker = asyncio.create_task(self._run(), name=f"room {document_id}")
        self._stopping = False
        self.idle_since: float | None = time.monotonic()

    @property
    def doc(self) -> pycrdt.Doc[Any]:
        return self._loaded.doc

    @property
    def version(self) -> int:
        return self._loaded.version

    @property
    def busy(self) -> bool:
        return bool(self._work or self._in_flight)

    # Connections ----------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)
        self.idle_since = None
        if peer.access.can_write:
            # Ask the client for what the server lacks (its sync step 2), e.g. after a crash.
            peer.send(protocol.sync_step1(self.doc.get_state()))
        present = self.awareness.current()
        if present:
            peer.send(protocol.awareness(encode_update(present)))

    def leave(self, peer: Peer) -> None:
        self.peers.discard(peer)
        gone = self.awareness.remove_owner(peer)
        if gone:
            self.presence.queue(gone, local=True)
        if not self.peers:
            self.idle_since = time.monotonic()

    def access_changed(self, peer: Peer, access: DocumentAccess) -> None:
        gained_write = access.can_write and not peer.access.can_write
        peer.access = access
        if gained_write:
            peer.send(protocol.sync_step1(self.doc.get_state()))

    # Messages from a local connection ---------------------------------------------------

    def receive(self, peer: Peer, message: protocol.Message,
                shape: Outline | None = None) -> None:
        """Handle one decoded message (``shape``: an update's outline, if known already).
        Raises ``DecodeError`` for a malformed one."""
        if isinstance(message, protocol.SyncStep1):
            try:
                missing = self.doc.get_update(message.state_vector)
            except ValueError as error:
                raise ycodec.DecodeError(f"bad state vector: {error}") from error
            peer.send(protocol.sync_step2(missing))
        elif isinstance(message, protocol.SyncStep2 | protocol.SyncUpdate):
            if not peer.access.can_write:
                if message.update != b"\x00\x00":
                    self.deny(peer)
                return
            self._work.append(_ClientUpdate(peer, message.update, time.perf_counter(), shape))
            self._wakeup.set()
        elif isinstance(message, protocol.AwarenessMessage):
            person = peer.principal.person_id
            entries = self.awareness.from_connection(
                peer, acting(peer.principal, peer.access), message.update,
                lambda client_id: self.bindings.owner(client_id) in (None, person),
            )
            if entries:
                self.presence.queue(entries, local=True)
        elif isinstance(message, protocol.QueryAwareness):
            peer.send(protocol.awareness(encode_update(self.awareness.current())))
        # Auth and saved messages only ever go from the server to clients: ignore echoes.

    def deny(self, peer: Peer, reason: str | None = None) -> None:
        """Tell a client its edit was refused, at most once per interval."""
        self._services.metrics.updates_refused.inc()
        now = time.monotonic()
        if now - peer.last_denied < self._services.limits.denied_notice_interval:
            return
        peer.last_denied = now
        peer.send(protocol.permission_denied(
            reason or peer.access.reason or "you may not edit this document now"
        ))

    # Presence from other instances (sent on by ``presence.PresenceRelay``) ----------------

    def remote_awareness(self, message: AwarenessFanout) -> None:
        entries = self.awareness.from_remote(("instance", message.instance_id), message.entries)
        if entries:
            self.presence.queue(entries, local=False)

    # The worker --------------------------------------------------------------------------

    def remote_updates(self, message: UpdatesMessage) -> None:
        self._work.append(_Remote(message))
        self._wakeup.set()

    def request_catch_up(self) -> None:
        self._work.append(_CatchUp())
        self._wakeup.set()

    def write(self, edit: ServerEdit,
              guard: dict[str, int] | None = None) -> asyncio.Future[list[int]]:
        """Queue a server-made change, made in turn with the clients' edits; the future gets
        its log positions (or the edit's or the log's exception: ``GuardFailed`` when a
        stream of ``guard`` moved on, as for clients' edits)."""
        done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._work.append(_ServerWrite(edit, done, guard))
        self._wakeup.set()
        return done

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room %s: unexpected error in the write path", self.document_id)
                self._wakeup.set()  # go on with what is left
            if self._stopping and not self._work and not self._in_flight:
                return

    async def _pump(self) -> None:
        """Land the commits that returned, submit what waits; return when only waiting is
        left (a commit returning or new work sets the wake-up)."""
        while True:
            while self._in_flight and self._in_flight[0].append.done():
                await self._land(self._in_flight.popleft())
            head = self._work[0] if self._work else None
            if isinstance(head, _ClientUpdate):
                if len(self._in_flight) >= self._services.max_in_flight:
                    return
                self._submit(self._take_batch())
                continue
            if head is None or self._in_flight:
                return  # remote updates and catch-ups need a room with nothing in flight
            self._work.popleft()
            if isinstance(head, _Remote):
                await self._apply_remote(head.message)
            elif isinstance(head, _ServerWrite):
                await self._server_write(head)
            else:
                await self._catch_up()

    def _take_batch(self) -> list[_ClientUpdate]:
        batch: list[_ClientUpdate] = []
        while self._work and isinstance(self._work[0], _ClientUpdate) and len(batch) < MAX_BATCH:
            item = self._work.popleft()
            assert isinstance(item, _ClientUpdate)
            batch.append(item)
        return batch

    def _events(self, accepted: list[_Accepted]) -> list[NewEvent]:
        return [
            NewEvent(CRDT_UPDATE, item.update, acting(item.peer.principal, item.peer.access),
                     item.peer.access.context, self._event_ids.next())
            for item in accepted
        ]

    def _submit(self, batch: list[_ClientUpdate]) -> None:
        """Check a batch against the room plus what is in flight and submit its append."""
        accepted, repeats = self._check(batch)
        if not accepted:
            if self._in_flight:
                self._in_flight[-1].repeats.extend(repeats)  # durable with that batch
            else:
                self._ack_all(repeats)
            return
        expected = self.version + sum(len(f.accepted) for f in self._in_flight)
        append = asyncio.get_running_loop().create_task(self._services.store.append(
            self.stream_id, self._events(accepted), expected_version=expected,
            guard=_guard(accepted),
        ))
        append.add_done_callback(lambda _: self._wakeup.set())
        self._in_flight.append(
            _InFlight(accepted, repeats, expected, append, time.perf_counter())
        )

    async def _land(self, flight: _InFlight) -> None:
        """Apply a committed batch, or recover from a failed one."""
        if flight.append.cancelled() or flight.append.exception() is not None:
            await self._recover(flight)
            return
        positions = flight.append.result()
        if flight.expected_version != self.version:
            # Only reachable after a recovery that caught up past this batch: the log has
            # it; reading the log applies it in order.
            await self._catch_up()
            self._landed_elsewhere(flight)
            return
        self._services.metrics.append_latency.observe(time.perf_counter() - flight.started)
        self._applied(flight.accepted, positions)
        self._ack_all(flight.repeats)

    def _landed_elsewhere(self, flight: _InFlight) -> None:
        """A batch of ours that the room took from the log: its writers are durable."""
        for item in flight.accepted:
            item.peer.written_clients.update(item.writers)
        self._ack_all([item.peer for item in flight.accepted] + flight.repeats)

    async def _recover(self, failed: _InFlight) -> None:
        """Let everything in flight land, then resend what did not get in, in order."""
        later = list(self._in_flight)
        self._in_flight.clear()
        if later:
            await asyncio.wait([flight.append for flight in later])
        error = None if failed.append.cancelled() else failed.append.exception()
        log.info("room %s: an append failed (%s); resending %d batches in order",
                 self.document_id, error, 1 + len(later))
        before = self.doc.get_state()
        retry = list(failed.accepted)
        repeats = list(failed.repeats)
        got_in: list[_InFlight] = []
        for flight in later:
            repeats += flight.repeats
            if flight.append.cancelled() or flight.append.exception() is not None:
                retry += flight.accepted
            else:
                got_in.append(flight)
        if got_in:
            # A later batch committed after a gap (another instance appended exactly as many
            # events): the log is the truth, so take it in its order before anything else.
            await self._catch_up()
            for flight in got_in:
                self._landed_elsewhere(flight)
        if retry:
            await self._commit([
                _ClientUpdate(item.peer, item.update, item.received) for item in retry
            ])
        if got_in:
            # Edits that came in ahead of what they build on wait inside the document until
            # the rest arrives; send everything since the failure so the clients have it too.
            self._broadcast(self.doc.get_update(before))
        self._ack_all(repeats)

    async def _commit(self, batch: list[_ClientUpdate]) -> None:
        metrics = self._services.metrics
        accepted: list[_Accepted] = []
        failures = conflicts = 0
        while failures <= APPEND_RETRIES and conflicts <= MAX_CONFLICTS:
            accepted, repeats = self._check(batch)
            if not accepted:
                self._ack_all(repeats)
                return
            events = self._events(accepted)
            started = time.perf_counter()
            try:
                positions = await self._services.store.append(
                    self.stream_id, events, expected_version=self.version,
                    guard=_guard(accepted),
                )
            except GuardFailed:
                # Access may have been withdrawn after these edits were checked: nothing is
                # logged until each writer's access is decided again on the newer state.
                conflicts += 1
                await self._decide_again({item.peer for item in accepted})
                continue
            except ConcurrencyError:
                # Another instance wrote this document: take its edits, then check again.
                # Each conflict means the other instance made progress, so this ends; the
                # jitter keeps two busy instances from colliding in lockstep.
                conflicts += 1
                await self._catch_up()
                if conflicts > 2:
                    await asyncio.sleep(random.uniform(0, 0.002 * conflicts))
                continue
            except StoreUnavailable as error:
                failures += 1
                if failures <= APPEND_RETRIES:
                    log.warning("room %s: log unavailable, retrying: %s", self.document_id, error)
                    await asyncio.sleep(0.1 * 2**failures)
                    continue
                self._fail(accepted, "the log is unavailable; reconnect to resend your edits")
                return
            except InvalidEventError as error:
                log.error("room %s: log refused a batch: %s", self.document_id, error)
                self._fail(accepted, f"the log refused the edit: {error}")
                return
            metrics.append_latency.observe(time.perf_counter() - started)
            self._applied(accepted, positions)
            self._ack_all(repeats)
            return
        self._fail(accepted, "the document is too busy; reconnect to resend your edits")

    def _check(self, batch: list[_ClientUpdate]) -> tuple[list[_Accepted], list[Peer]]:
        """Decide each update of a batch against the room plus the batch's earlier updates.

        Returns the updates to log and the writers of empty ones (acknowledged once the
        batch is durable, since their acknowledgement covers the whole room state)."""
        metrics = self._services.metrics
        limit = min(self._services.limits.max_message_bytes, self._services.store.max_payload)
        state = ycodec.decode_state_vector(self.doc.get_state())
        claimed: dict[int, str] = {}
        for flight in self._in_flight:  # in the log soon, in this order: the room as it will be
            for earlier in flight.accepted:
                state = advance(state, earlier.writers)
                for client in earlier.writers:
                    claimed.setdefault(client, earlier.peer.principal.person_id)
        def room_deletions() -> DeleteSet:
            if self._deletions is None:
                self._deletions = doc_deletions(self.doc)
            return self._deletions

        accepted: list[_Accepted] = []
        repeats: list[Peer] = []
        for item in batch:
            peer = item.peer
            if not peer.access.can_write:  # lost write access while this waited
                self.deny(peer)
                continue
            person = peer.principal.person_id
            rules = peer.access.update_check

            def owner_of(client: int, person: str = person) -> str | None:
                # Whoever the log bound it to, whoever announced it in presence, whoever
                # wrote with it earlier in the batch: any of them not the writer takes it.
                owners = (self.bindings.owner(client), self.awareness.person_of(client),
                          claimed.get(client))
                return next((owner for owner in owners if owner not in (None, person)), None)

            decision = admit(
                item.update, person=person, state=state, deletions=room_deletions,
                limit=limit, owner_of=owner_of, shape=item.shape,
                document_rules=None if rules is None else partial(rules, self.doc),
            )
            if decision.verdict is Verdict.REPEAT:
                metrics.updates_empty.inc()
                self._claim_known(peer, item.update)
                repeats.append(peer)
            elif decision.verdict is Verdict.REFUSE:
                self.deny(peer, decision.reason)
                if decision.close_code is not None:
                    peer.close(decision.close_code, decision.reason)
            elif decision.verdict is Verdict.CLOSE:
                metrics.updates_refused.inc()
                peer.close(decision.close_code or CloseCode.BAD_MESSAGE, decision.reason)
            elif (checked := decision.checked) is not None:  # accepted
                for client in checked.writers:
                    claimed[client] = person
                state = advance(state, checked.writers)
                accepted.append(_Accepted(peer, checked.update, dict(checked.writers),
                                          item.received, checked.deletions))
        return accepted, repeats

    async def _decide_again(self, peers: set[Peer]) -> None:
        decide = self._services.decide_again
        for peer in peers:
            try:
                if decide is None:
                    raise RuntimeError("no policy to decide access again")
                access = await decide(peer.principal, self.document_id)
            except (EventStoreError, RuntimeError) as error:
                log.warning("room %s: cannot decide access again: %s", self.document_id, error)
                peer.close(CloseCode.UNAVAILABLE, "access could not be checked; reconnect")
                continue
            self.access_changed(peer, access)  # its queued edits are checked against this
            if not access.can_read:
                peer.close(CloseCode.FORBIDDEN, (access.reason or "access withdrawn")[:120])
                self.leave(peer)

    def _claim_known(self, peer: Peer, update: bytes) -> None:
        """A repeat of edits already logged: let the writer's saved state cover its own ids."""
        if not peer.wants_saved:
            return
        with contextlib.suppress(ValueError, ycodec.DecodeError):
            clients = outline(update).writers
            person = peer.principal.person_id
            peer.written_clients.update(c for c in clients if self.bindings.owner(c) == person)

    def _ack_all(self, peers: list[Peer]) -> None:
        if any(peer.wants_saved for peer in peers):
            state = ycodec.decode_state_vector(self.doc.get_state())
            for peer in set(peers):
                self._ack(peer, state)

    def _ack(self, peer: Peer, state: dict[int, int]) -> None:
        if peer.wants_saved and not peer.closed:
            durable = {c: state.get(c, 0) for c in peer.written_clients}
            peer.send(protocol.saved(ycodec.encode_state_vector(durable)))

    def _fail(self, accepted: list[_Accepted], reason: str) -> None:
        for item in accepted:
            item.peer.close(CloseCode.UNAVAILABLE, reason[:120])

    def _applied(self, accepted: list[_Accepted], positions: list[int]) -> None:
        metrics = self._services.metrics
        first_version = self.version + 1
        logged = []
        for index, item in enumerate(accepted):
            self.doc.apply_update(item.update)
            if self._deletions is not None:
                add_deletions(self._deletions, item.deletions)
            person = item.peer.principal.person_id
            self.bindings.bind(item.writers, person)
            item.peer.written_clients.update(item.writers)
            logged.append(LoggedUpdate(first_version + index, positions[index], person,
                                       item.update))
        self._send_batch(accepted)
        now = time.perf_counter()
        for item in accepted:
            metrics.fanout_latency.observe(now - item.received)
        self._loaded.version = first_version + len(accepted) - 1
        metrics.updates.inc(len(accepted))
        state = ycodec.decode_state_vector(self.doc.get_state())
        for peer in {item.peer for item in accepted}:
            self._ack(peer, state)
        self._services.publish(self.document_id, encode_message(
            UpdatesMessage(self._services.instance_id, self.document_id, logged)
        ))

    def _send_batch(self, accepted: list[_Accepted]) -> None:
        """Send a logged batch to the clients here as one update each: a busy room's edits
        cost each recipient one frame per commit, not one per edit. A writer is not sent
        its own edits back."""
        if len(accepted) == 1:
            only = accepted[0]
            frame = protocol.sync_update(only.update)
            for peer in self.peers:
                if peer is not only.peer:
                    peer.send(frame)
            return
        writers = {item.peer for item in accepted}
        everything = protocol.sync_update(pycrdt.merge_updates(*(a.update for a in accepted)))
        for peer in self.peers:
            if peer not in writers:
                peer.send(everything)
        for writer in writers:
            others = [item.update for item in accepted if item.peer is not writer]
            if others and writer in self.peers:
                writer.send(protocol.sync_update(
                    others[0] if len(others) == 1 else pycrdt.merge_updates(*others)
                ))

    async def _apply_remote(self, message: UpdatesMessage) -> None:
        for logged in message.updates:
            if logged.version <= self.version:
                continue  # already caught up from the log
            if logged.version != self.version + 1:
                await self._catch_up()  # a message went missing: the log has it
                return
            self.doc.apply_update(logged.update)
            self._deletions = None  # read again from the document when next needed
            clients = outline(logged.update).writers
            self.bindings.bind(clients, logged.person_id)
            self._loaded.version = logged.version
            self._broadcast(logged.update)

    async def _server_write(self, item: _ServerWrite) -> None:
        """Log a server-made change against the room's exact document (the log's version
        expected), then apply, broadcast to every client here and publish it, as for a
        client's edit; computed again after another instance wrote first."""
        if item.done.done():  # its caller gave up
            return
        for _ in range(MAX_CONFLICTS):
            try:
                events = item.edit(self.doc)
                if not events:
                    item.done.set_result([])
                    return
                positions = await self._services.store.append(
                    self.stream_id, events, expected_version=self.version, guard=item.guard)
            except ConcurrencyError:
                await self._catch_up()
                continue
            except Exception as error:  # the edit refused, or the log failed: the caller's
                if not item.done.done():
                    item.done.set_exception(error)
                return
            logged = []
            first_version = self.version + 1
            for index, event in enumerate(events):
                assert isinstance(event.payload, bytes)
                self.doc.apply_update(event.payload)
                self.bindings.bind(outline(event.payload).writers, event.actor.person_id)
                logged.append(LoggedUpdate(first_version + index, positions[index],
                                           event.actor.person_id, event.payload))
            self._deletions = None
            self._loaded.version = first_version + len(events) - 1
            self._broadcast(logged[0].update if len(logged) == 1 else
                            pycrdt.merge_updates(*(u.update for u in logged)))
            self._services.publish(self.document_id, encode_message(
                UpdatesMessage(self._services.instance_id, self.document_id, logged)))
            if not item.done.done():
                item.done.set_result(positions)
            return
        if not item.done.done():
            item.done.set_exception(StoreUnavailable(
                f"{self.stream_id} kept changing while the server wrote to it"))

    async def _catch_up(self) -> None:
        before = self.doc.get_state()
        applied = await catch_up(self._services.store, self.document_id, self._loaded)
        if applied:
            self._deletions = None
            self._broadcast(self.doc.get_update(before))

    def _broadcast(self, update: bytes) -> None:
        frame = protocol.sync_update(update)
        for peer in self.peers:
            peer.send(frame)

    # Lifecycle ---------------------------------------------------------------------------

    async def stop(self) -> None:
        """Finish the queued appends. Nothing else to save: the projections keep the
        document's latest state that the next load starts from."""
        self._stopping = True
        self._wakeup.set()
        await self._worker


def _guard(accepted: list[_Accepted]) -> dict[str, int]:
    """What the writers' access rests on (``DocumentAccess.guard``); should two decisions
    disagree on a stream, the older version makes the append fail and both be decided again."""
    guard: dict[str, int] = {}
    for item in accepted:
        for stream, version in item.peer.access.guard.items():
            guard[stream] = min(version, guard.get(stream, version))
    return guard
