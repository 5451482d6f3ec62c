"""Checkpoints as exact C2SP signed notes, and the older note format that logs already hold.

``data/`` holds what the previous version wrote (note format 1: an 8-byte key id in the
signature line; bundle format ``kokreasi-audit-bundle/2``): a bundle of the audit history, its
public keys and a checkpoint note someone kept. They must keep verifying.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from audit_history import PLAN, History, run_cli

from audit.checkpoints import (
    CHECKPOINT_STREAM,
    CHECKPOINT_TYPE,
    Checkpoint,
    CheckpointError,
    checkpoint_body,
    create_checkpoint,
    list_checkpoints,
)
from audit.keys import Keyring, KeyringError, Signer, load_signer, parse_vkey, rotate
from audit.leaves import root_of
from audit.verify import BundleError, verify_bundle
from events.record import Actor, Context, NewEvent, format_timestamp, utc_now
from events.store import EventStore
from kokreasi.cli import main

DATA = Path(__file__).parent / "data"


def signature_of(note: str) -> tuple[str, bytes]:
    line = note.rstrip("\n").split("\n")[-1]
    assert line.startswith("\u2014 ")
    name, blob = line[2:].split(" ")
    return name, base64.b64decode(blob)


async def test_a_new_checkpoint_is_an_exact_signed_note(history: History) -> None:
    checkpoint = await create_checkpoint(history.store, history.signer)
    note = checkpoint.note()
    name, raw = signature_of(note)
    assert name == "kokreasi"
    assert len(raw) == 4 + 64
    public_key = history.signer.public_key
    assert raw[:4] == hashlib.sha256(b"kokreasi\n\x01" + public_key).digest()[:4]
    assert checkpoint.to_json()["key_hash"] == raw[:4].hex()
    assert "key_id" not in checkpoint.to_json()
    # The vkey names the same key and hash, in the form signed-note verifiers are given.
    vkey_name, vkey_key = parse_vkey(history.signer.vkey)
    assert (vkey_name, vkey_key) == ("kokreasi", public_key)
    assert history.signer.vkey.split("+")[1] == raw[:4].hex()
    assert Checkpoint.from_note(note) == checkpoint
    assert checkpoint.verify(history.signer.keyring).key_id == history.signer.key_id


async def test_other_signature_lines_are_ignored_and_a_note_must_be_well_formed(
    history: History,
) -> None:
    checkpoint = await create_checkpoint(history.store, history.signer)
    note = checkpoint.note()
    # A witness's cosignature after ours (an unknown key to us) changes nothing.
    witness = base64.b64encode(bytes(4 + 72)).decode()
    cosigned = f"{note}\u2014 witness.example/w1 {witness}\n"
    assert Checkpoint.from_note(cosigned) == checkpoint
    with pytest.raises(CheckpointError, match="no signature by 'kokreasi'"):
        Checkpoint.from_note(note.replace("\u2014 kokreasi ", "\u2014 someone.else "))
    with pytest.raises(CheckpointError, match="control character"):
        Checkpoint.from_note(note.replace("tip ", "tip \t", 1))
    with pytest.raises(CheckpointError, match="leading zeros"):
        Checkpoint.from_note(note.replace(f"\n{checkpoint.tree_size}\n",
                                          f"\n0{checkpoint.tree_size}\n", 1))
    _, raw = signature_of(note)
    short = base64.b64encode(raw[1:]).decode()
    with pytest.raises(CheckpointError, match="has 68 bytes"):
        Checkpoint.from_note(note.rsplit(" ", 1)[0] + f" {short}\n")


def test_a_vkey_cannot_name_another_key() -> None:
    signer, other = Signer.generate(), Signer.generate()
    name, key_hash, _ = signer.vkey.split("+", 2)
    forged = f"{name}+{key_hash}+{other.vkey.split('+', 2)[2]}"
    with pytest.raises(KeyringError, match="does not belong"):
        parse_vkey(forged)
    entry = signer.keyring.to_json()[0]
    with pytest.raises(KeyringError, match="does not belong"):
        Keyring.from_json([{**entry, "vkey": other.vkey}])


def test_the_previous_versions_bundle_still_verifies(tmp_path: Path) -> None:
    bundle = DATA / "bundle-v2.jsonl"
    header = json.loads(bundle.read_text().split("\n")[0])
    assert header["format"] == "kokreasi-audit-bundle/2"
    keys = Keyring.from_json(json.loads((DATA / "keys-v2.json").read_text()))
    result = verify_bundle(bundle.read_text().splitlines(), trusted_keys=keys)
    assert [c.checkpoint.note_format for c in result.checkpoints] == [1, 1, 1]
    assert result.at_export is not None and result.at_export.note_format == 1
    assert run_cli("audit", "verify", str(bundle), "--keys", str(DATA / "keys-v2.json")) == 0
    # Still checked, not merely accepted: one changed character of the first checkpoint fails.
    lines = bundle.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if '"audit.checkpoint"' in line)
    changed = json.loads(lines[index])
    signature = changed["payload"]["signature"]
    changed["payload"]["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    lines[index] = json.dumps(changed)
    with pytest.raises(BundleError):
        verify_bundle(lines, trusted_keys=keys)


def test_a_kept_note_of_format_1_still_verifies() -> None:
    note = (DATA / "checkpoint-v1.note").read_text()
    assert len(signature_of(note)[1]) == 8 + 64
    keys = Keyring.from_json(json.loads((DATA / "keys-v2.json").read_text()))
    checkpoint = Checkpoint.from_note(note)
    assert checkpoint.note_format == 1 and checkpoint.note() == note
    checkpoint.verify(keys)
    with pytest.raises(CheckpointError, match="does not match its content"):
        Checkpoint.from_note(note.replace("\n3\n", "\n4\n", 1)).verify(keys)


async def record_format_1(store: EventStore, signer: Signer) -> dict[str, Any]:
    """A checkpoint recorded as the previous version did: 8-byte key id, ``key_id`` field."""
    size = (await store.head()).position
    root, tip = await root_of(store, size)
    now = utc_now()
    body = checkpoint_body("kokreasi", size, root, tip, now)
    payload = {"origin": "kokreasi", "tree_size": size, "root": root.hex(),
               "tip_hash": tip.hex(), "time": format_timestamp(now), "key_id": signer.key_id,
               "signature": signer.sign(body.encode()).hex()}
    await store.append(CHECKPOINT_STREAM,
                       [NewEvent(CHECKPOINT_TYPE, payload, Actor.system(), Context())])
    return payload


async def test_a_log_holding_both_formats_verifies_across_a_key_rotation(
    history: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, data_dir = history.store, history.data_dir
    old = await record_format_1(store, history.signer)
    new_signer = rotate(data_dir)
    await create_checkpoint(store, new_signer)
    recorded = await list_checkpoints(store)
    assert [c.note_format for c in recorded[-2:]] == [1, 2]
    assert recorded[-2].to_json() == old  # read back and written out unchanged
    argv = ["verify", "--data-dir", str(data_dir), "--database-url", history.database_url]
    assert await asyncio.to_thread(main, argv) == 0
    assert f"{len(recorded)} signed checkpoints verify against the log" in capsys.readouterr().out

    out = tmp_path / "bundle.jsonl"
    argv = ["audit", "export", "--plan", PLAN, "--out", str(out), "--data-dir", str(data_dir),
            "--database-url", history.database_url]
    assert await asyncio.to_thread(run_cli, *argv) == 0
    lines = out.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "kokreasi-audit-bundle/3"
    assert [k["vkey"] for k in header["public_keys"]] == [
        history.signer.vkey, new_signer.vkey]
    payloads = [json.loads(line)["payload"] for line in lines[1:]
                if '"audit.checkpoint"' in line]
    assert {("key_id" in p, "key_hash" in p) for p in payloads} == {(True, False), (False, True)}
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"public_keys": read_published(data_dir)}))
    assert await asyncio.to_thread(run_cli, "audit", "verify", str(out), "--keys",
                                   str(keys)) == 0
    # Without the retired key, its checkpoints are signed by a key nobody vouches for.
    current_only = tmp_path / "current.json"
    current_only.write_text(json.dumps([e for e in read_published(data_dir)
                                        if e["retired_at"] is None]))
    assert await asyncio.to_thread(run_cli, "audit", "verify", str(out), "--keys",
                                   str(current_only)) == 1
    assert "unknown key" in capsys.readouterr().err


def read_published(data_dir: Path) -> list[dict[str, Any]]:
    published: list[dict[str, Any]] = json.loads(
        (data_dir / "audit" / "public-keys.json").read_text())["public_keys"]
    return published


def test_a_published_keys_file_of_the_previous_version_loads(tmp_path: Path) -> None:
    """Key files written before vkeys existed load, and are written with them afterwards."""
    signer = load_signer(tmp_path)
    path = tmp_path / "audit" / "public-keys.json"
    entries = json.loads(path.read_text())["public_keys"]
    old_style = [{k: v for k, v in e.items() if k not in ("key_name", "key_hash", "vkey")}
                 for e in entries]
    path.write_text(json.dumps({"public_keys": old_style}))
    again = load_signer(tmp_path)
    assert again.key_id == signer.key_id and again.vkey == signer.vkey
    assert again.keyring.to_json()[0]["vkey"] == signer.vkey
