"""lib0's binary encoding, as Yjs and y-websocket write it: bounded readers and the writers.

A var-uint is 7 bits per byte, least significant group first, the high bit set on every byte
but the last; a var-uint8-array is a var-uint length then that many bytes; a var-string is a
var-uint8-array of UTF-8; an ``any`` is a tagged value. Every read is bounded: it never runs
past the end of its bytes, never reads a var-uint over 64 bits, never follows an ``any``
nested deeper than ``MAX_ANY_DEPTH``, and says what was wrong with ``DecodeError``, the one
error of this package.
"""

from __future__ import annotations

MAX_VAR_UINT_BYTES = 10  # 64 bits; lib0 never writes more, so more is malformed input
MAX_ANY_DEPTH = 64


class DecodeError(ValueError):
    """Bytes that are not the lib0/Yjs structure they were read as; the message says why."""


class Reader:
    """Reads lib0 encodings from a byte string, refusing to run past its end."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def position(self) -> int:
        return self._pos

    @position.setter
    def position(self, value: int) -> None:
        # Going back to re-read a header: never past the data.
        self._pos = min(max(0, value), len(self._data))

    @property
    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def var_uint(self) -> int:
        value = 0
        shift = 0
        for count in range(MAX_VAR_UINT_BYTES):
            if self._pos >= len(self._data):
                raise DecodeError("truncated var-uint")
            byte = self._data[self._pos]
            self._pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value
            if count == MAX_VAR_UINT_BYTES - 1:
                break
        raise DecodeError(f"var-uint longer than {MAX_VAR_UINT_BYTES} bytes")

    def byte(self) -> int:
        if self._pos >= len(self._data):
            raise DecodeError("needed 1 byte, 0 left")
        value = self._data[self._pos]
        self._pos += 1
        return value

    def raw(self, length: int) -> bytes:
        end = self._pos + length
        if end > len(self._data):
            raise DecodeError(f"needed {length} bytes, {len(self._data) - self._pos} left")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def var_uint8_array(self) -> bytes:
        length = self.var_uint()
        end = self._pos + length
        if end > len(self._data):
            raise DecodeError(
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
            raise DecodeError("var-string is not valid UTF-8") from error

    def expect_end(self, what: str) -> None:
        if not self.at_end:
            raise DecodeError(f"{len(self._data) - self._pos} stray bytes after {what}")


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


def var_uints(data: bytes) -> list[int]:
    """Every var-uint in ``data``, read in one loop: state vectors and delete sets are only
    var-uints, and the projections read one per batch or deleting keystroke."""
    numbers: list[int] = []
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            numbers.append(value)
            value = shift = 0
        else:
            shift += 7
            if shift >= 7 * MAX_VAR_UINT_BYTES:
                raise DecodeError(f"var-uint longer than {MAX_VAR_UINT_BYTES} bytes")
    if shift:
        raise DecodeError("truncated var-uint")
    return numbers


def skip_any(reader: Reader, depth: int = 0) -> None:
    """lib0's ``readAny``."""
    if depth > MAX_ANY_DEPTH:
        raise DecodeError("value nested too deeply")
    tag = reader.byte()
    if tag in (127, 126, 121, 120):  # undefined, null, false, true
        return
    if tag == 125:  # var-int: like a var-uint, with a sign bit in the first byte
        reader.var_uint()
    elif tag == 124:
        reader.raw(4)
    elif tag in (123, 122):
        reader.raw(8)
    elif tag == 119:
        reader.var_string()
    elif tag == 118:
        for _ in range(reader.var_uint()):
            reader.var_string()
            skip_any(reader, depth + 1)
    elif tag == 117:
        for _ in range(reader.var_uint()):
            skip_any(reader, depth + 1)
    elif tag == 116:
        reader.var_uint8_array()
    else:
        raise DecodeError(f"unknown value tag {tag}")
