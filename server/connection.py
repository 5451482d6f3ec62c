"""The websocket endpoint: a thin shell between a socket and its room.

Each connection has one reader (this endpoint) and one writer task draining a bounded send
queue, so a broadcast is encoded once and appended to every recipient's queue without a task
per message; a client whose queue overflows is dropped instead of slowing its room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

import ycodec
from events.errors import EventStoreError
from identity.access import AccessPolicy, DocumentAccess, Principal
from identity.auth import authenticate, cross_site_cookie
from identity.tokens import TokenError
from throttle import TokenBucket
from ycodec import Outline, TooManyStructs

from . import costs, protocol
from .close_codes import CloseCode
from .frame_limits import MAX_RATE_WAIT, presence_allowed, too_big
from .limits import AddressGuard, Limits, PersonLimits, Refusal
from .loading import DOCUMENT_ID
from .metrics import Metrics, PersonRefusal
from .reasons import (
    SOMEONE_ELSE,
    TOO_COSTLY,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_EDITS,
    TOO_SLOW,
)
from .refusals import edit_refused
from .room_manager import RoomManager
from .rooms import Room

log = logging.getLogger("kokreasi.connection")

# (direct peer, X-Forwarded-For headers) -> the client's address
AddressResolver = Callable[[str, list[str]], str]

CLOSE_TIMEOUT = 2.0  # seconds to wait for a close frame to get out

class Connection:
    """One client of one room (implements ``edits.Peer``)."""

    def __init__(
        self,
        websocket: WebSocket,
        principal: Principal,
        access: DocumentAccess,
        *,
        wants_saved: bool,
        limits: Limits,
        metrics: Metrics,
    ) -> None:
        self.websocket = websocket
        self.principal = principal
        self.access = access
        self.wants_saved = wants_saved
        self.written_clients: set[int] = set()
        self._limits = limits
        self.metrics = metrics
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._ready = asyncio.Event()
        self._close: tuple[int, str] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._sending_since: float | None = None
        self.presence = TokenBucket(limits.presence_per_second, limits.presence_burst)
        self.closing = asyncio.Event()  # the endpoint stops reading when this is set

    @property
    def closed(self) -> bool:
        return self._close is not None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write())

    def send(self, frame: bytes) -> None:
        if self._close is not None:
            return
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        if not self.drop_if_too_slow():
            self._ready.set()

    def drop_if_too_slow(self) -> bool:
        """Disconnect a client that does not keep up (also called by the app's watchdog, for
        a client that stalls after a burst); returns whether it was dropped."""
        if self._close is not None or not self._too_slow():
            return False
        self.metrics.slow_disconnects.inc()
        self._queue.clear()
        self._queued_bytes = 0
        self.close(CloseCode.TOO_SLOW, TOO_SLOW)
        if self._writer is not None:
            self._writer.cancel()  # it may be stuck sending to this very client
        asyncio.get_running_loop().create_task(self._close_now())
        return True

    def _too_slow(self) -> bool:
        limits = self._limits
        if (self._queued_bytes > 4 * limits.max_send_queue_bytes
                or len(self._queue) > limits.max_send_queue_messages):
            return True
        stuck = self._sending_since
        return (self._queued_bytes > limits.max_send_queue_bytes and stuck is not None
                and time.monotonic() - stuck > limits.send_stall_seconds)

    def close(self, code: int, reason: str) -> None:
        if self._close is None:
            self._close = (code, reason)
            self._ready.set()
            self.closing.set()

    async def _write(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._queue:
                    frame = self._queue.popleft()
                    self._queued_bytes -= len(frame)
                    self._sending_since = time.monotonic()
                    await self.websocket.send_bytes(frame)
                    self._sending_since = None
                if self._close is not None:
                    await self._close_now()
                    return
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._close = self._close or (CloseCode.GOING_AWAY, "gone")

    async def _close_now(self) -> None:
        code, reason = self._close or (1000, "")
        # A client that stopped reading never lets the close frame out: give up after a
        # while rather than hold the connection (and a graceful shutdown) forever.
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect, TimeoutError):
            await asyncio.wait_for(self.websocket.close(code, reason), CLOSE_TIMEOUT)

    async def finish(self) -> None:
        self.close(1000, "")
        if self._writer is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._writer, CLOSE_TIMEOUT + 1.0)


async def reject(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept only to close with a code and reason the client can show (an HTTP 403 during the
    handshake reaches browser code as a bare, unexplained failure)."""
    await websocket.accept()
    await websocket.close(code, reason)


async def _refuse(websocket: WebSocket, refusal: Refusal, *, explain: bool) -> None:
    """Refuse an address over its limits. An HTTP 429 to the upgrade costs no websocket (no
    accept, close frame or closing handshake), but browsers show nothing of it: an address
    gets a few refusals explained with 1013 and the reason first (``AddressGuard.explain``)."""
    if explain or "websocket.http.response" not in websocket.scope.get("extensions", {}):
        await reject(websocket, CloseCode.RATE_LIMITED, refusal.value)
        return
    await websocket.send_denial_response(PlainTextResponse(refusal.value, status_code=429))


def client_address(websocket: WebSocket) -> str:
    """The direct peer, or the client a trusted proxy names (``app.state.client_address``)."""
    peer = websocket.client.host if websocket.client else "unknown"
    resolve: AddressResolver | None = getattr(websocket.app.state, "client_address", None)
    if resolve is None:
        return peer
    return resolve(peer, websocket.headers.getlist("x-forwarded-for"))


async def endpoint(websocket: WebSocket) -> None:
    state = websocket.app.state
    guard: AddressGuard = state.address_guard
    address = client_address(websocket)
    # The signature is checked before any per-address refusal (a hash, no I/O): failures
    # then refuse only further attempts without a valid token, so a flood of bad tokens
    # never locks out the people who share its address behind an office NAT or a proxy.
    try:
        principal, bad_token = await authenticate(websocket), None
    except TokenError as error:
        principal, bad_token = None, error
    person = principal.person_id if principal is not None else None
    refused = guard.admit(address, person)
    if refused is not None:
        metrics: Metrics = state.metrics
        metrics.address_refusals.inc(refused.label)
        await _refuse(websocket, refused, explain=guard.explain(address))
        return
    if principal is None:
        guard.failed(address, None)
        await reject(websocket, CloseCode.UNAUTHORIZED,
                     str(bad_token) if bad_token else "sign in first: no token or session")
        return
    try:
        access = await _admit(websocket, principal)
    finally:
        guard.checked(address)
    if access is None:
        guard.failed(address, person)
        return
    person = principal.person_id
    limiter: PersonLimits = state.limiter
    if not limiter.connect(person):
        state.metrics.person_refusals.inc(PersonRefusal.CONNECTIONS)
        await reject(websocket, CloseCode.RATE_LIMITED,
                     TOO_MANY_CONNECTIONS.format(limiter.max_connections))
        return
    if limiter.items.take(person, 0.0) > MAX_RATE_WAIT:  # a new connection buys no budget
        limiter.disconnect(person)
        state.metrics.person_refusals.inc(PersonRefusal.RATE)
        await reject(websocket, CloseCode.RATE_LIMITED, TOO_MANY_EDITS)
        return
    try:
        await _serve(websocket, address, principal, access)
    finally:
        limiter.disconnect(person)


async def _paid_up(connection: Connection, debt: float) -> bool:
    """Wait out a rate-limit debt (the client's sends back up meanwhile); False, with the
    connection closed, when it is too deep to wait out."""
    if debt > MAX_RATE_WAIT:
        connection.metrics.person_refusals.inc(PersonRefusal.RATE)
        connection.close(CloseCode.RATE_LIMITED, TOO_MANY_EDITS)
        return False
    if debt:
        await asyncio.sleep(debt)
    return True


async def _admit(websocket: WebSocket, principal: Principal) -> DocumentAccess | None:
    """The signed-in caller's access, or None once the handshake has been refused."""
    state = websocket.app.state
    document_id = websocket.path_params["document_id"]
    if cross_site_cookie(websocket):
        await reject(websocket, CloseCode.FORBIDDEN, "session cookie sent from another site")
        return None
    expected = websocket.query_params.get("person")
    if expected is not None and expected != principal.person_id:
        # Opened as someone else, before another tab signed in: not under this cookie's name.
        await reject(websocket, CloseCode.UNAUTHORIZED, SOMEONE_ELSE)
        return None
    if not DOCUMENT_ID.match(document_id):
        await reject(websocket, CloseCode.BAD_MESSAGE, "malformed document id")
        return None
    policy: AccessPolicy = state.policy
    access = await policy.access(principal, document_id)
    if not access.can_read:
        await reject(websocket, CloseCode.FORBIDDEN, (access.reason or "no access")[:120])
        return None
    return access


async def _serve(
    websocket: WebSocket, address: str, principal: Principal, access: DocumentAccess
) -> None:
    state = websocket.app.state
    document_id = websocket.path_params["document_id"]
    await websocket.accept()
    limits: Limits = state.limits
    metrics: Metrics = state.metrics
    connection = Connection(
        websocket, principal, access,
        wants_saved=websocket.query_params.get("saved") == "1",
        limits=limits, metrics=metrics,
    )
    metrics.connections_total.inc()
    connection.start()
    rooms: RoomManager = state.rooms
    try:
        room = await rooms.join(document_id, connection)
    except EventStoreError as error:
        log.error("cannot load %s: %s", document_id, error)
        connection.close(CloseCode.UNAVAILABLE, "the log is unavailable; try again shortly")
        await connection.finish()
        return
    state.connections.add(connection)
    reading = asyncio.create_task(
        _read(websocket, connection, room, limits, state.limiter,
              lambda: state.address_guard.failed(address, principal.person_id))
    )
    closing = asyncio.create_task(connection.closing.wait())
    try:
        # Stop reading as soon as the server closes the connection (too slow, access
        # withdrawn, shutdown): such a client may never send another frame.
        await asyncio.wait({reading, closing}, return_when=asyncio.FIRST_COMPLETED)
        if reading.done():
            reading.result()
    finally:
        for task in (reading, closing):
            task.cancel()
        state.connections.discard(connection)
        room.leave(connection)
        await connection.finish()


async def _read(
    websocket: WebSocket,
    connection: Connection,
    room: Room,
    limits: Limits,
    limiter: PersonLimits,
    malformed: Callable[[], None],
) -> None:
    person = connection.principal.person_id
    while not connection.closed:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        data = event.get("bytes")
        if data is None:
            connection.close(CloseCode.BAD_MESSAGE, "y-websocket frames are binary")
            return
        if len(data) > limits.max_message_bytes:
            too_big(connection, data, limits.max_message_bytes)
            return
        try:
            message = protocol.decode(data)
            shape: Outline | None = None
            if connection.access.can_write and isinstance(
                message, protocol.SyncUpdate | protocol.SyncStep2
            ):
                shape = await _within_budget(connection, message.update, limits, limiter)
                if shape is None:
                    return
            elif isinstance(message, protocol.AwarenessMessage):
                relay = presence_allowed(connection, message.update, limits)
                if relay is None:
                    return
                if not relay:
                    continue
            room.receive(connection, message, shape)
        except ycodec.DecodeError as error:
            log.info("closing a connection of %s: %s", person, error)
            malformed()  # an address that keeps sending garbage gets throttled
            connection.close(CloseCode.BAD_MESSAGE, str(error)[:120])
            return


async def _within_budget(connection: Connection, update: bytes, limits: Limits,
                         limiter: PersonLimits) -> Outline | None:
    """The outline of a writer's update once its cost is paid; None when the connection
    was closed instead. Raises ``DecodeError`` for bytes that are no update."""
    person = connection.principal.person_id
    # Walking an update costs the server whatever it holds: a person whose budget is spent
    # waits for it before the next walk, and a walk stopped at the limit is charged as the
    # limit's worth.
    if not await _paid_up(connection, limiter.items.take(person, 0.0)):
        return None
    try:
        shape = await costs.measure(update, limits)
    except TooManyStructs:
        limiter.items.take(person, limits.max_update_items)
        connection.metrics.updates_refused.inc()
        connection.metrics.person_refusals.inc(PersonRefusal.COSTLY)
        edit_refused(connection, TOO_COSTLY.format(limits.max_update_items))
        return None
    except ycodec.DecodeError as error:
        raise ycodec.DecodeError(f"not a Yjs update: {error}") from error
    items = costs.cost(shape, len(update), limits)
    debt = max(limiter.edits.take(person), limiter.items.take(person, items))
    return shape if await _paid_up(connection, debt) else None
