"""The first update of a commitment document: its title and meta, written by the server once.

``ProcessService.create_commitment`` appends it to ``doc:{document_id}`` with
``expected_version=NO_STREAM`` before the commitment exists, so no editor can have written to
the document yet and no second seeding can ever succeed: the title is in the text exactly once.

Each seeding uses a fresh random Yjs client id. The live server binds a client id, per
document, to the first person who writes with it; a fixed id would make every seed look like
one Yjs client and could collide with an editor's id forever, while a random one is as unlikely
to collide as two browsers are.

Every update the server writes itself (this seed, the demo's documents in ``process.demo``)
takes its client id from ``new_client_id``: random in [0, 2^32), as Yjs picks them. pycrdt's
own default reaches 2^53, and clients that hold ids in 32 bits (the y-py binding) rewrite
such an id on reading and then send the seeded text back as their own, doubling it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from pycrdt import Doc, Map, Text

from commitment.template import META, TITLE


def new_client_id() -> int:
    """A random Yjs client id in [0, 2^32), the range Yjs itself draws from."""
    return secrets.randbits(32)


def seed_update(title: str, meta: Mapping[str, str], client_id: int | None = None) -> bytes:
    """A Yjs v1 update creating ``title`` (Y.Text) and ``meta`` (Y.Map of strings)."""
    doc: Doc[Any] = Doc(client_id=new_client_id() if client_id is None else client_id)
    doc.get(TITLE, type=Text).insert(0, title)
    doc.get(META, type=Map).update(dict(meta))
    return doc.get_update()
