"""The Yjs delete-set decoder the fold runs once per deleting keystroke, against pycrdt."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Text

import ycodec


def test_a_delete_set_reads_back_what_pycrdt_reports() -> None:
    doc: Doc[Any] = Doc(client_id=300)
    text = doc.get("t", type=Text)
    text += "a" * 200
    seen: list[bytes] = []
    doc.observe(lambda event: seen.append(event.delete_set))
    with doc.transaction():
        del text[150:160]  # clocks 150..159
        del text[3:5]  # clocks 3..4
    ranges = ycodec.decode_delete_set(seen[-1])
    assert ranges == {300: [(3, 2), (150, 10)]}
    assert ycodec.decode_delete_set(ycodec.encode_delete_set(ranges)) == ranges
    assert ycodec.deleted_per_client(seen[-1]) == {300: 12}
    big = {2**32 - 1: [(0, 1), (70_000, 2**20)], 7: [(5, 1)]}
    assert ycodec.decode_delete_set(ycodec.encode_delete_set(big)) == big
    assert ycodec.deleted_per_client(ycodec.encode_delete_set(big)) == {
        2**32 - 1: 1 + 2**20, 7: 1,
    }


@pytest.mark.parametrize("data", [b"", b"\x01\x05", b"\x01\x05\x01\x02", b"\x00\x01", b"\x81"])
def test_a_malformed_delete_set_is_refused(data: bytes) -> None:
    with pytest.raises(ycodec.DecodeError):
        ycodec.decode_delete_set(data)
    with pytest.raises(ycodec.DecodeError):
        ycodec.deleted_per_client(data)
