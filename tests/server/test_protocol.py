"""The y-websocket wire format, byte for byte, and what malformed frames do."""

from __future__ import annotations

import contextlib
import random

import pytest

import ycodec
from server import protocol
from ycodec.lib0 import DecodeError


@pytest.mark.parametrize(("value", "encoded"), [
    (0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02"),
    (2**32, b"\x80\x80\x80\x80\x10"),
])
def test_var_uint_matches_lib0(value: int, encoded: bytes) -> None:
    assert ycodec.var_uint(value) == encoded
    assert ycodec.Reader(encoded).var_uint() == value


def test_messages_encode_as_y_websocket_does() -> None:
    assert protocol.sync_step1(b"\x00") == b"\x00\x00\x01\x00"
    assert protocol.sync_step2(b"\x00\x00") == b"\x00\x01\x02\x00\x00"
    assert protocol.sync_update(b"\x01\x02\x03") == b"\x00\x02\x03\x01\x02\x03"
    assert protocol.awareness(b"\x00") == b"\x01\x01\x00"
    assert protocol.query_awareness() == b"\x03"
    assert protocol.permission_denied("no") == b"\x02\x00\x02no"
    # Saved: an auth message (2) of sub-type 100, which stock providers skip in silence.
    assert protocol.saved(b"\x01\x05\x03") == b"\x02\x64\x03\x01\x05\x03"


@pytest.mark.parametrize("message", [
    protocol.SyncStep1(b"\x00"), protocol.SyncStep2(b"\x00\x00"), protocol.SyncUpdate(b"x" * 300),
    protocol.AwarenessMessage(b"\x00"), protocol.QueryAwareness(),
    protocol.PermissionDenied("Draft 3 opens K/L/D/I editing"), protocol.Saved(b"\x00"),
])
def test_every_message_round_trips(message: protocol.Message) -> None:
    assert protocol.decode(protocol.encode(message)) == message


@pytest.mark.parametrize(("frame", "complaint"), [
    (b"", "empty frame"),
    (b"\x80", "truncated var-uint"),
    (b"\xff" * 11, "longer than"),
    (b"\x07", "unknown message type 7"),
    (b"\x64\x01\x00", "unknown message type 100"),
    (b"\x00\x05\x00", "unknown sync message type 5"),
    (b"\x00\x02\x09abc", "runs past the end"),
    (b"\x00\x02\x01a\x00", "stray bytes"),
    (b"\x02\x01", "unknown auth message type 1"),
    (b"\x02\x00\x02\xff\xfe", "not valid UTF-8"),
])
def test_malformed_frames_raise_a_clear_protocol_error(frame: bytes, complaint: str) -> None:
    with pytest.raises(DecodeError, match=complaint):
        protocol.decode(frame)


def test_random_bytes_never_escape_as_anything_but_protocol_error() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        frame = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))
        with contextlib.suppress(DecodeError):
            protocol.decode(frame)


def test_state_vectors_round_trip_and_reject_junk() -> None:
    vector = {1: 5, 2**40: 1}
    assert ycodec.decode_state_vector(ycodec.encode_state_vector(vector)) == vector
    with pytest.raises(DecodeError):
        ycodec.decode_state_vector(b"\x05\x01")
    with pytest.raises(DecodeError):
        ycodec.decode_state_vector(b"\x01\x01\x01\x00")


def test_a_state_vector_claiming_more_entries_than_it_has_bytes_is_malformed() -> None:
    """pycrdt would reserve room for every claimed entry first: a second's stall per frame."""
    with pytest.raises(DecodeError, match="claims"):
        protocol.decode(protocol.sync_step1(b"\xff\xff\xff\x7e"))
