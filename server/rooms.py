"""Rooms: one live Yjs document per open commitment, and the path of every edit through it.

Write path (one worker task per room, so a room's updates are logged and applied in the order
they arrived): check the update (well formed, writer may write, client ids belong to the
writer, not empty), append it to ``doc:{id}`` and wait for the commit, and only then apply it
to the room's document, send it to the other clients here and publish it to other instances.
An edit that is not in the log is never shown to anyone. The room's append loop
(``appender.Appender``) gets accepted edits into the log, pipelined or resent after a failure;
the room decides what enters and acts on what the loop hands back.

Everything that changes a room's document or version runs in that worker: client updates,
updates from other instances and catch-ups from the log, so they never interleave. Whether an
update may enter is decided on bytes alone (``admission.admit``), presence is relayed apart
(``presence.PresenceRelay``), and the rooms an instance holds are kept by
``room_manager.RoomManager``.

Why this is one long module: the room's document, version, bindings, deletions and work queue
change together, in its worker, and every kind of work (a client's batch, another instance's
updates, a catch-up, a server-made change) reads and writes all of them; the parts that need
none of that state are in their own modules (admission, appender, presence, server_writes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pycrdt

import ycodec
from events.errors import EventStoreError
from events.store import EventStore
from identity.access import DocumentAccess, Principal, acting
from ycodec import Outline, outline
from ycodec import Ranges as DeleteSet

from . import protocol
from .admission import Verdict, admit
from .appender import MAX_BATCH, Appender
from .awareness import RoomAwareness, encode_update
from .close_codes import CloseCode
from .edits import Accepted, ClientUpdate, Peer, acknowledge, claim_known, send_logged
from .fanout import AwarenessFanout, LoggedUpdate, UpdatesMessage, encode_message
from .limits import Limits
from .loading import CheckpointStore, LoadedDocument, catch_up, stream_of
from .metrics import Metrics
from .presence import PresenceRelay
from .refusals import edit_refused, write_withdrawn
from .server_writes import ServerEdit, ServerWrite, write_for_server
from .updates import ClientBindings, add_deletions, advance, doc_deletions

log = logging.getLogger("kokreasi.rooms")


@dataclass(slots=True)
class _Remote:
    message: UpdatesMessage


@dataclass(slots=True)
class _CatchUp:
    pass


_Work = ClientUpdate | _Remote | _CatchUp | ServerWrite


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
        # What the room's document deletes, kept up to date by every logged update, so that
        # telling a new deletion from a repeat does not read the whole document each time.
        self._deletions: DeleteSet | None = None
        self._wakeup = asyncio.Event()
        self._appender = Appender(self, services.store, self.stream_id,
                                  max_in_flight=services.max_in_flight,
                                  metrics=services.metrics, wake=self._wakeup.set)
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
    def store(self) -> EventStore:
        return self._services.store

    @property
    def busy(self) -> bool:
        return bool(self._work or self._appender.busy)

    # Connections ----------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)
        self.idle_since = None
        if peer.access.can_write:
            # Ask the client for what the server lacks (its sync step 2), e.g. after a crash.
            peer.send(protocol.sync_step1(self.doc.get_state()))
        else:
            write_withdrawn(peer, peer.access.reason)  # a reader knows why from the start
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
        lost_write = peer.access.can_write and not access.can_write
        peer.access = access
        if gained_write:
            peer.send(protocol.sync_step1(self.doc.get_state()))
        elif lost_write:
            write_withdrawn(peer, access.reason)  # now, not when the client next types

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
            self._work.append(ClientUpdate(peer, message.update, time.perf_counter(), shape))
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

    def deny(self, peer: Peer, reason: str | None = None,
             code: int = CloseCode.REFUSED) -> None:
        """Refuse a client's edit: it is told why and closed (``refusals.edit_refused``)."""
        self._services.metrics.updates_refused.inc()
        edit_refused(peer, reason or peer.access.reason, code)

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
        self._work.append(ServerWrite(edit, done, guard))
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
            if self._stopping and not self._work and not self._appender.busy:
                return

    async def _pump(self) -> None:
        """Land the commits that returned, submit what waits; return when only waiting is
        left (a commit returning or new work sets the wake-up)."""
        while True:
            await self._appender.land()
            head = self._work[0] if self._work else None
            if isinstance(head, ClientUpdate):
                if not self._appender.ready:
                    return
                self._appender.submit(self._take_batch())
                continue
            if head is None or self._appender.busy:
                return  # remote updates and catch-ups need a room with nothing in flight
            self._work.popleft()
            if isinstance(head, _Remote):
                await self._apply_remote(head.message)
            elif isinstance(head, ServerWrite):
                await self._server_write(head)
            else:
                await self.catch_up()

    def _take_batch(self) -> list[ClientUpdate]:
        batch: list[ClientUpdate] = []
        while self._work and isinstance(self._work[0], ClientUpdate) and len(batch) < MAX_BATCH:
            item = self._work.popleft()
            assert isinstance(item, ClientUpdate)
            batch.append(item)
        return batch

    # What the append loop asks of the room (``appender.AppendingRoom``) ------------------

    def check(self, batch: list[ClientUpdate],
              ahead: list[Accepted]) -> tuple[list[Accepted], list[Peer]]:
        """Decide each update of a batch against the room plus ``ahead`` (in flight) and the
        batch's earlier updates.

        Returns the updates to log and the writers of empty ones (acknowledged once the
        batch is durable, since their acknowledgement covers the whole room state)."""
        metrics = self._services.metrics
        limit = min(self._services.limits.max_message_bytes, self._services.store.max_payload)
        state = ycodec.decode_state_vector(self.doc.get_state())
        claimed: dict[int, str] = {}
        for earlier in ahead:  # in the log soon, in this order: the room as it will be
            state = advance(state, earlier.writers)
            for client in earlier.writers:
                claimed.setdefault(client, earlier.peer.principal.person_id)
        def room_deletions() -> DeleteSet:
            if self._deletions is None:
                self._deletions = doc_deletions(self.doc)
            return self._deletions

        accepted: list[Accepted] = []
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
                claim_known(peer, item.update, self.bindings.owner)
                repeats.append(peer)
            elif decision.verdict is Verdict.REFUSE:
                self.deny(peer, decision.reason, decision.close_code or CloseCode.REFUSED)
            elif decision.verdict is Verdict.CLOSE:
                metrics.updates_refused.inc()
                peer.close(decision.close_code or CloseCode.BAD_MESSAGE, decision.reason)
            elif (checked := decision.checked) is not None:  # accepted
                for client in checked.writers:
                    claimed[client] = person
                state = advance(state, checked.writers)
                accepted.append(Accepted(peer, checked.update, dict(checked.writers),
                                         item.received, checked.deletions))
        return accepted, repeats

    async def decide_again(self, peers: set[Peer]) -> None:
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

    def landed_elsewhere(self, accepted: list[Accepted], repeats: list[Peer]) -> None:
        """A batch of ours that the room took from the log: its writers are durable."""
        for item in accepted:
            item.peer.written_clients.update(item.writers)
        self.ack_all([item.peer for item in accepted] + repeats)

    def ack_all(self, peers: list[Peer]) -> None:
        if any(peer.wants_saved for peer in peers):
            acknowledge(peers, self.doc.get_state())

    def fail(self, accepted: list[Accepted], reason: str) -> None:
        for item in accepted:
            item.peer.close(CloseCode.UNAVAILABLE, reason[:120])

    def applied(self, accepted: list[Accepted], positions: list[int]) -> None:
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
        send_logged(accepted, self.peers)
        now = time.perf_counter()
        for item in accepted:
            metrics.fanout_latency.observe(now - item.received)
        self._loaded.version = first_version + len(accepted) - 1
        metrics.updates.inc(len(accepted))
        self.ack_all([item.peer for item in accepted])
        self._services.publish(self.document_id, encode_message(
            UpdatesMessage(self._services.instance_id, self.document_id, logged)
        ))

    async def _apply_remote(self, message: UpdatesMessage) -> None:
        for logged in message.updates:
            if logged.version <= self.version:
                continue  # already caught up from the log
            if logged.version != self.version + 1:
                await self.catch_up()  # a message went missing: the log has it
                return
            self.doc.apply_update(logged.update)
            self._deletions = None  # read again from the document when next needed
            clients = outline(logged.update).writers
            self.bindings.bind(clients, logged.person_id)
            self._loaded.version = logged.version
            self._broadcast(logged.update)

    async def _server_write(self, item: ServerWrite) -> None:
        await write_for_server(self, item)

    def logged_by_server(self, logged: list[LoggedUpdate]) -> None:
        """A server-made change is in the log: apply, broadcast and publish it."""
        for entry in logged:
            self.doc.apply_update(entry.update)
            self.bindings.bind(outline(entry.update).writers, entry.person_id)
        self._deletions = None
        self._loaded.version = logged[-1].version
        self._broadcast(logged[0].update if len(logged) == 1 else
                        pycrdt.merge_updates(*(u.update for u in logged)))
        self._services.publish(self.document_id, encode_message(
            UpdatesMessage(self._services.instance_id, self.document_id, logged)))

    async def catch_up(self) -> None:
        before = self.doc.get_state()
        applied = await catch_up(self._services.store, self.document_id, self._loaded)
        if applied:
            self._deletions = None
            self._broadcast(self.doc.get_update(before))

    def state(self) -> bytes:
        return self.doc.get_state()

    def send_since(self, state: bytes) -> None:
        self._broadcast(self.doc.get_update(state))

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

