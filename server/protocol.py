"""The y-websocket wire protocol, sans I/O: bytes in, typed messages out, and back.

A frame is one websocket binary message: a var-uint message type, then a body.

    0 sync       var-uint sync type (0 step 1, 1 step 2, 2 update), var-uint8-array payload
    1 awareness  var-uint8-array holding an encoded awareness update
    2 auth       var-uint 0 (permission denied), var-string reason
                 var-uint 100 (saved), var-uint8-array holding an encoded Yjs state vector
                 (Kokreasi extension, only sent to connections that asked with ``saved=1``)
    3 query-awareness (no body)

The saved acknowledgement rides in the auth message because stock y-websocket providers (v1
to v3) ignore an auth message of a sub-type other than 0 without a word, while they log
"Unable to compute message" for every message of a type they have no handler for: a stock
client that asks with ``saved=1`` stays quiet, and the web app reads it with its own auth
handler (``docs/contracts.md``, "Saved acknowledgement").

Encodings are lib0's: a var-uint is 7 bits per byte, least significant group first, high bit
set on every byte but the last; a var-uint8-array is a var-uint length then that many bytes; a
var-string is a var-uint8-array of UTF-8 (``ycodec.lib0``). Anything else raises
``ycodec.DecodeError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ycodec.lib0 import DecodeError, Reader, var_string, var_uint, var_uint8_array
from ycodec.vectors import decode_state_vector


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


PERMISSION_DENIED = 0
SAVED = 100  # an auth sub-type y-protocols does not define


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
    """Decode one frame. Raises ``DecodeError`` for anything malformed or unknown."""
    if not frame:
        raise DecodeError("empty frame")
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
            raise DecodeError(f"unknown sync message type {sync_type}")
    elif kind == MessageType.AWARENESS:
        message = AwarenessMessage(reader.var_uint8_array())
    elif kind == MessageType.QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MessageType.AUTH:
        auth_type = reader.var_uint()
        if auth_type == PERMISSION_DENIED:
            message = PermissionDenied(reader.var_string())
        elif auth_type == SAVED:
            message = Saved(reader.var_uint8_array())
        else:
            raise DecodeError(f"unknown auth message type {auth_type}")
    else:
        raise DecodeError(f"unknown message type {kind}")
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
    return bytes((MessageType.AUTH,)) + var_uint(SAVED) + var_uint8_array(state_vector)


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
