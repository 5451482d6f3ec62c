"""Signed checkpoints of a real log, and consistency proofs between them."""

from __future__ import annotations

import pytest
from audit_history import History, write_history

import events
from audit.checkpoints import (
    CHECKPOINT_STREAM,
    Checkpoint,
    CheckpointError,
    create_checkpoint,
    list_checkpoints,
)
from audit.keys import Signer
from audit.merkle import leaf_hash, root, verify_consistency
from audit.proofs import ConsistencyProof, ProofRequestError, prove_consistency
from events.record import Actor, NewEvent


async def test_checkpoint_signs_the_log_just_before_itself(database_url: str) -> None:
    store = await events.open_store(database_url)
    async with store:
        signer = Signer.generate()
        await write_history(store, signer)
        head = await store.head()
        checkpoint = await create_checkpoint(store, signer)
        log = await store.read_all()
        assert checkpoint.tree_size == head.position == len(log) - 1
        assert checkpoint.root == root([leaf_hash(e.hash) for e in log[:-1]])
        assert checkpoint.tip_hash == head.hash
        recorded = log[-1]
        assert recorded.stream_id == CHECKPOINT_STREAM
        assert recorded.actor.person_id == "system"
        assert Checkpoint.from_json(recorded.json_payload()) == checkpoint
        checkpoint.verify(signer.keyring)
        assert (await list_checkpoints(store))[-1] == checkpoint


async def test_note_text_round_trips_and_any_change_breaks_the_signature(
    history: History,
) -> None:
    checkpoint = (await list_checkpoints(history.store))[-1]
    note = checkpoint.note()
    lines = note.split("\n")
    assert lines[0] == "kokreasi"
    assert lines[1] == str(checkpoint.tree_size)
    assert lines[3].startswith("tip ") and lines[4].startswith("time ")
    assert lines[6].startswith("\u2014 kokreasi ")
    assert Checkpoint.from_note(note) == checkpoint
    grown = note.replace(f"\n{checkpoint.tree_size}\n", f"\n{checkpoint.tree_size + 1}\n", 1)
    with pytest.raises(CheckpointError, match="does not match its content"):
        Checkpoint.from_note(grown).verify(history.signer.keyring)
    with pytest.raises(CheckpointError, match="unknown key"):
        checkpoint.verify(Signer.generate().keyring)
    with pytest.raises(CheckpointError, match="malformed"):
        Checkpoint.from_note(note.replace("tip ", "top "))


async def test_consistency_proofs_from_every_earlier_size(history: History) -> None:
    store = history.store
    await store.append("doc:c-id0121", [NewEvent("crdt.update", b"\x00\x00", Actor.system())])
    newest = await create_checkpoint(store, history.signer)
    log = await store.read_all()
    leaves = [leaf_hash(e.hash) for e in log]
    for old_size in range(0, newest.tree_size + 1):
        proof = await prove_consistency(store, old_size)
        assert proof.checkpoint == newest
        again = ConsistencyProof.from_json(proof.to_json())
        verify_consistency(old_size, again.new_size, root(leaves[:old_size]),
                           again.checkpoint.root, again.hashes)
    earlier = (await list_checkpoints(store))[0]
    proof = await prove_consistency(store, earlier.tree_size)
    verify_consistency(earlier.tree_size, newest.tree_size, earlier.root, newest.root,
                       proof.hashes)


async def test_consistency_refuses_sizes_no_checkpoint_covers(history: History) -> None:
    newest = (await list_checkpoints(history.store))[-1]
    with pytest.raises(ProofRequestError, match="beyond the newest checkpoint"):
        await prove_consistency(history.store, newest.tree_size + 1)
    with pytest.raises(ProofRequestError, match="no checkpoint of size"):
        await prove_consistency(history.store, 1, new_size=newest.tree_size + 1)


async def test_no_checkpoint_yet(sqlite_url: str) -> None:
    store = await events.open_store(sqlite_url)
    async with store:
        with pytest.raises(ProofRequestError, match="no checkpoint has been signed"):
            await prove_consistency(store, 0)
        empty = await create_checkpoint(store, Signer.generate())
        assert empty.tree_size == 0 and empty.root == root([])
