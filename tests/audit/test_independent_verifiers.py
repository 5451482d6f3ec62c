"""The server's checkpoints and proofs, checked by code that shares nothing with Kokreasi's.

* A signed-note verifier written here from the specifications (c2sp.org/signed-note and
  c2sp.org/tlog-checkpoint) opens the checkpoints the server serves, given only the vkey from
  ``GET /api/audit/keys``; it imports nothing of the project.
* ``pymerkle``, a published RFC 9162 Merkle tree, rebuilds the signed roots from the log's
  record hashes and gives the same inclusion paths as ``audit.merkle``.
* The consistency proofs of ``GET /api/audit/consistency`` are the RFC's PROOF(m, D[n]),
  computed here straight from the RFC's recursive definition.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from audit_history import write_history
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pymerkle import InmemoryTree, verify_consistency
from starlette.applications import Starlette

import events
from audit.api import routes, signer_of
from audit.merkle import inclusion_proof
from events.record import Stakeholder
from identity.tokens import issue_token
from kokreasi.settings import Settings
from process.registry import Registry
from process.runtime import ProcessRuntime

SECRET = b"a-test-secret-of-enough-length-0123"

# -- A signed-note verifier, from the specification only ------------------------------------


class NoteRejected(Exception):
    pass


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """<name>+<hex key ID>+<base64(type || key)>: name, 4-byte key ID, 32-byte Ed25519 key."""
    name, key_id_hex, blob = vkey.split("+", 2)
    raw = base64.b64decode(blob, validate=True)
    assert raw[0] == 0x01 and len(raw) == 33, "not an Ed25519 vkey"
    key_id = bytes.fromhex(key_id_hex)
    assert key_id == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    return name, key_id, raw[1:]


def open_note(note: bytes, vkeys: Sequence[str]) -> str:
    """The note's text, if a known key signed it; unknown signatures are ignored."""
    text = note.decode("utf-8")
    if any(ord(c) < 0x20 and c != "\n" for c in text) or not text.endswith("\n"):
        raise NoteRejected("control characters, or no final newline")
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteRejected("no blank line before the signatures")
    body, signatures = text[: split + 1], text[split + 2 :]
    known = {(name, key_id): key for name, key_id, key in map(parse_vkey, vkeys)}
    verified = False
    for line in signatures.removesuffix("\n").split("\n"):
        if not line.startswith("\u2014 "):
            raise NoteRejected(f"not a signature line: {line!r}")
        name, blob = line[2:].split(" ")
        raw = base64.b64decode(blob, validate=True)
        key = known.get((name, raw[:4]))
        if key is None:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(raw[4:], body.encode())
        except InvalidSignature as error:
            raise NoteRejected(f"bad signature by {name}") from error
        verified = True
    if not verified:
        raise NoteRejected("no signature by a known key")
    return body


def read_checkpoint(body: str) -> tuple[str, int, bytes, list[str]]:
    """Origin, tree size, root hash and extension lines of a tlog-checkpoint text."""
    lines = body.removesuffix("\n").split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteRejected("a checkpoint has at least three non-empty lines")
    origin, size, root = lines[:3]
    if not size.isdigit() or (size.startswith("0") and size != "0"):
        raise NoteRejected(f"bad tree size {size!r}")
    return origin, int(size), base64.b64decode(root, validate=True), lines[3:]


# -- RFC 9162 2.1, by its recursive definitions ---------------------------------------------


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of leaf *data* (here: record hashes)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    return subproof(m, leaves, True) if 0 < m < len(leaves) else []


# -- The server -----------------------------------------------------------------------------


@pytest.fixture
async def server(tmp_path: Path, postgres_url: str) -> AsyncIterator[Starlette]:
    application = Starlette(routes=routes())
    application.state.settings = Settings(
        data_dir=tmp_path, database_url=postgres_url, redis_url=None, secret_key=SECRET
    )
    application.state.store = store = await events.open_store(postgres_url)
    runtime = ProcessRuntime(store)
    application.state.actor_resolver = Registry(runtime)
    try:
        await write_history(store, signer_of(application))
        yield application
    finally:
        await runtime.close()
        await store.close()


@pytest.fixture
async def web(server: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://kokreasi") as client:
        yield client


async def signed_now(web: httpx.AsyncClient) -> dict[str, Any]:
    token = issue_token(SECRET, name="Dewi Lestari", org="Sekretariat OGI",
                        role=Stakeholder.SECRETARIAT)
    response = await web.post("/api/audit/checkpoints",
                              headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 201
    signed: dict[str, Any] = response.json()
    return signed


async def record_hashes(server: Starlette) -> list[bytes]:
    return [event.hash for event in await server.state.store.read_all()]


async def test_a_spec_written_verifier_opens_the_servers_checkpoints(
    server: Starlette, web: httpx.AsyncClient
) -> None:
    signed = await signed_now(web)
    keys = (await web.get("/api/audit/keys")).json()
    vkey = keys["vkey"]
    assert [k["vkey"] for k in keys["public_keys"]] == [vkey]
    note = signed["note"].encode()
    origin, size, root, extensions = read_checkpoint(open_note(note, [vkey]))
    assert (origin, size) == ("kokreasi", signed["tree_size"])
    assert root.hex() == signed["root"]
    assert [line.split(" ")[0] for line in extensions] == ["tip", "time"]
    # The root is the log's, as pymerkle computes it from the record hashes.
    hashes = await record_hashes(server)
    tree = InmemoryTree(algorithm="sha256")
    for record in hashes:
        tree.append_entry(record)
    assert tree.get_root(size) == root == mth(hashes[:size])

    for listed in (await web.get("/api/audit/checkpoints")).json()["checkpoints"]:
        _, size, root, _ = read_checkpoint(open_note(listed["note"].encode(), [vkey]))
        assert tree.get_root(size) == root

    # Any change to the text, and a signature by another key of the same name, are refused.
    with pytest.raises(NoteRejected, match="bad signature"):
        open_note(note.replace(b"\n%d\n" % size, b"\n%d\n" % (size + 1), 1), [vkey])
    other_key = bytes(32)  # another key of the same name: another key ID, so not ours
    other = "kokreasi+{}+{}".format(
        hashlib.sha256(b"kokreasi\n\x01" + other_key).digest()[:4].hex(),
        base64.b64encode(b"\x01" + other_key).decode())
    with pytest.raises(NoteRejected, match="no signature by a known key"):
        open_note(note, [other])


async def test_pymerkle_and_the_rfc_reproduce_the_servers_proofs(
    server: Starlette, web: httpx.AsyncClient
) -> None:
    newest = await signed_now(web)
    vkey = (await web.get("/api/audit/keys")).json()["vkey"]
    new_size = newest["tree_size"]
    hashes = (await record_hashes(server))[:new_size]
    tree = InmemoryTree(algorithm="sha256")
    for record in hashes:
        tree.append_entry(record)
    leaves = [hashlib.sha256(b"\x00" + record).digest() for record in hashes]

    # Inclusion: pymerkle's path is the leaf itself, then RFC 9162's PATH(m, D[n]).
    for size in range(1, new_size + 1):
        for index in range(size):
            path = tree.prove_inclusion(index + 1, size).serialize()["path"]
            assert path[1:] == [h.hex() for h in inclusion_proof(leaves[:size], index)]

    for old_size in range(0, new_size + 1):
        response = await web.get("/api/audit/consistency", params={"from": old_size})
        given = response.json()
        body = open_note(given["note"].encode(), [vkey])
        _, size, root, _ = read_checkpoint(body)
        assert (given["old_size"], given["new_size"], size) == (old_size, new_size, new_size)
        assert given["proof"] == [h.hex() for h in proof(old_size, hashes)]
        if 0 < old_size < new_size:
            # pymerkle builds its own (larger) proof; it too finds the two roots consistent.
            old_root = tree.get_root(old_size)
            verify_consistency(old_root, root, tree.prove_consistency(old_size, new_size))
