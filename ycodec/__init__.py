"""Kokreasi's one reader and writer of the lib0 and Yjs v1 binary encodings, bounded and
hardened: ``lib0`` (var-uints, strings, any values; ``DecodeError``, the one error), ``vectors``
(state vectors), ``deletes`` (delete sets and id ranges), ``structs`` (the walk over an
update's structs). A leaf: it imports nothing else of Kokreasi; pycrdt does everything else.
"""

from __future__ import annotations

from .deletes import (
    Ranges,
    count,
    decode_delete_set,
    delete_only_update,
    deleted_per_client,
    encode_delete_set,
    ranges_between,
    read_delete_set,
    subtract,
)
from .lib0 import DecodeError, Reader, var_uint
from .structs import (
    ItemLinks,
    Outline,
    TooManyStructs,
    item_links,
    names_client,
    outline,
    type_item_ids,
)
from .vectors import decode_state_vector, encode_state_vector

__all__ = [
    "DecodeError", "ItemLinks", "Outline", "Ranges", "Reader", "TooManyStructs", "count",
    "decode_delete_set", "decode_state_vector", "delete_only_update", "deleted_per_client",
    "encode_delete_set", "encode_state_vector", "item_links", "names_client", "outline",
    "ranges_between", "read_delete_set", "subtract", "type_item_ids", "var_uint",
]
