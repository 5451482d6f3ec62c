"""The y-websocket wire protocol, sans I/O: bytes in, typed messages out, and back.

A frame is one websocket binary message: a var-uint message type, then a body.

    0 sync       var-uint sync type (0 step 1, 1 step 2, 2 update), var-uint8-array payload
    1 awareness  var-uint8-array holding an encoded awareness update
    2 auth       var-uint 0 (permission denied), var-string reason
    3 query-awareness (no body)
    100 saved    var-uint8-array holding an encoded Yjs state vector (Kokreasi extension,
                 only sent to connections that asked with ``saved=1``)

Encodings are lib0's: a var-uint is 7 bits per byte, least significant group first, high bit
set on every byte but the last; a var-uint8-array is a var-uint length then that many bytes; a
var-string is a var-uint8-array of UTF-8. Anything else raises ``ProtocolError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

MAX_VAR_UINT_BYTES = 10  # 64 bits; lib0 never writes more, so more is malformed input


class ProtocolError(ValueError):
    """A frame that does not follow the protocol; the message says what is wrong."""


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3
    SAVED = 100


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


PERMISSION_DENIED = 0


class Reader:
    """Reads lib0 encodings from a byte string, refusing to run past its end."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def var_uint(self) -> int:
        value = 0
        shift = 0
        for count in range(MAX_VAR_UINT_BYTES):
            if self._pos >= len(self._data):
                raise ProtocolError("truncated var-uint")
            byte = self._data[self._pos]
            self._pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value
            if count == MAX_VAR_UINT_BYTES - 1:
                break
        raise ProtocolError(f"var-uint longer than {MAX_VAR_UINT_BYTES} bytes")

    def raw(self, length: int) -> bytes:
        end = self._pos + length
        if end > len(self._data):
            raise ProtocolError(f"needed {length} bytes, {len(self._data) - self._pos} left")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def var_uint8_array(self) -> bytes:
        length = self.var_uint()
        end = self._pos + length
        if end > len(self._data):
            raise ProtocolError(
                f"length prefix {length} runs past the end of the frame "
                f"({len(self._data) - self._pos} bytes left)"
            )
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def var_string(self) -> str:
        raw = self.var_uint8_array()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError("var-string is not valid UTF-8") from error

    def expect_end(self, what: str) -> None:
        if not self.at_end:
            raise ProtocolError(f"{len(self._data) - self._pos} stray bytes after {what}")


def var_uint(value: int) -> bytes:
    if value < 0:
        raise ValueError("var-uint cannot encode a negative number")
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def var_uint8_array(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def var_string(text: str) -> bytes:
    return var_uint8_array(text.encode("utf-8"))


# Decoded messages -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncStep1:
    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    update: bytes


@dataclass(frozen=True, slots=True)
class AwarenessMessage:
    update: bytes


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    pass


@dataclass(frozen=True, slots=True)
class PermissionDenied:
    reason: str


@dataclass(frozen=True, slots=True)
class Saved:
    state_vector: bytes


Message = (
    SyncStep1 | SyncStep2 | SyncUpdate | AwarenessMessage | QueryAwareness | PermissionDenied
    | Saved
)


def decode(frame: bytes) -> Message:
    """Decode one frame. Raises ``ProtocolError`` for anything malformed or unknown."""
    if not frame:
        raise ProtocolError("empty frame")
    reader = Reader(frame)
    kind = reader.var_uint()
    message: Message
    if kind == MessageType.SYNC:
        sync_type = reader.var_uint()
        payload = reader.var_uint8_array()
        if sync_type == SyncType.STEP1:
            # pycrdt reserves room for as many entries as a state vector claims before it
            # reads them: a few bytes claiming millions would stall the server for a second.
            decode_state_vector(payload)
            message = SyncStep1(payload)
        elif sync_type == SyncType.STEP2:
            message = SyncStep2(payload)
        elif sync_type == SyncType.UPDATE:
            message = SyncUpdate(payload)
        else:
            raise ProtocolError(f"unknown sync message type {sync_type}")
    elif kind == MessageType.AWARENESS:
        message = AwarenessMessage(reader.var_uint8_array())
    elif kind == MessageType.QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MessageType.AUTH:
        auth_type = reader.var_uint()
        if auth_type != PERMISSION_DENIED:
            raise ProtocolError(f"unknown auth message type {auth_type}")
        message = PermissionDenied(reader.var_string())
    elif kind == MessageType.SAVED:
        message = Saved(reader.var_uint8_array())
    else:
        raise ProtocolError(f"unknown message type {kind}")
    # y-websocket writes exactly one message per frame; trailing bytes mean a broken peer.
    reader.expect_end(type(message).__name__)
    return message


# Encoders ---------------------------------------------------------------------------------


def sync_step1(state_vector: bytes) -> bytes:
    return bytes((MessageType.SYNC, SyncType.STEP1)) + var_uint8_array(state_vector)


def sync_step2(update: bytes) -> bytes:
    return bytes((MessageType.SYNC, SyncType.STEP2)) + var_uint8_array(update)


def sync_update(update: bytes) -> bytes:
    return bytes((MessageType.SYNC, SyncType.UPDATE)) + var_uint8_array(update)


def awareness(update: bytes) -> bytes:
    return bytes((MessageType.AWARENESS,)) + var_uint8_array(update)


def query_awareness() -> bytes:
    return bytes((MessageType.QUERY_AWARENESS,))


def permission_denied(reason: str) -> bytes:
    return bytes((MessageType.AUTH, PERMISSION_DENIED)) + var_string(reason)


def saved(state_vector: bytes) -> bytes:
    return var_uint(MessageType.SAVED) + var_uint8_array(state_vector)


def encode(message: Message) -> bytes:
    if isinstance(message, SyncStep1):
        return sync_step1(message.state_vector)
    if isinstance(message, SyncStep2):
        return sync_step2(message.update)
    if isinstance(message, SyncUpdate):
        return sync_update(message.update)
    if isinstance(message, AwarenessMessage):
        return awareness(message.update)
    if isinstance(message, QueryAwareness):
        return query_awareness()
    if isinstance(message, PermissionDenied):
        return permission_denied(message.reason)
    return saved(message.state_vector)


# Yjs state vectors and delete sets (the parts of the Yjs encoding the server reads) -----------


def decode_state_vector(data: bytes) -> dict[int, int]:
    """A Yjs v1 state vector: var-uint count, then (client id, clock) var-uint pairs."""
    reader = Reader(data)
    count = reader.var_uint()
    if count > len(data):
        raise ProtocolError(f"state vector claims {count} entries in {len(data)} bytes")
    vector: dict[int, int] = {}
    for _ in range(count):
        client = reader.var_uint()
        vector[client] = reader.var_uint()
    reader.expect_end("state vector")
    return vector


def encode_state_vector(vector: Mapping[int, int]) -> bytes:
    parts = [var_uint(len(vector))]
    for client, clock in sorted(vector.items()):
        parts.append(var_uint(client))
        parts.append(var_uint(clock))
    return b"".join(parts)


def read_delete_set(reader: Reader) -> dict[int, list[tuple[int, int]]]:
    """A Yjs v1 delete set: per client id, a list of (clock, length) ranges."""
    result: dict[int, list[tuple[int, int]]] = {}
    clients = reader.var_uint()
    for _ in range(clients):
        client = reader.var_uint()
        ranges = reader.var_uint()
        if ranges > 1 << 24:
            raise ProtocolError(f"delete set claims {ranges} ranges")
        spans = result.setdefault(client, [])
        for _ in range(ranges):
            clock = reader.var_uint()
            spans.append((clock, reader.var_uint()))
    return result
