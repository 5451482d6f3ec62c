"""The signing key: created private on first use, stable, rotatable without breaking the past."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from audit.checkpoints import CheckpointError, sign
from audit.keys import Keyring, KeyringError, key_id_of, load_signer, read_keyring, rotate


def test_key_is_created_once_readable_only_by_the_owner(tmp_path: Path) -> None:
    signer = load_signer(tmp_path)
    key_file = tmp_path / "audit" / "signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = load_signer(tmp_path)
    assert again.key_id == signer.key_id == key_id_of(signer.public_key)
    published = read_keyring(tmp_path)
    assert list(published) == [signer.key_id]
    assert "PRIVATE" not in (tmp_path / "audit" / "public-keys.json").read_text()


def test_rotation_keeps_old_checkpoints_verifiable(tmp_path: Path) -> None:
    old = load_signer(tmp_path)
    before = sign(old, tree_size=3, root_hash=bytes(32), tip_hash=bytes(32))
    new = rotate(tmp_path)
    after = sign(new, tree_size=4, root_hash=bytes(32), tip_hash=bytes(32))
    assert new.key_id != old.key_id
    ring = read_keyring(tmp_path)
    assert ring[old.key_id].retired_at is not None
    assert ring[new.key_id].retired_at is None
    before.verify(ring)
    after.verify(ring)
    # The old private key is gone: loading again signs with the new key.
    assert load_signer(tmp_path).key_id == new.key_id
    with pytest.raises(CheckpointError, match="unknown key"):
        after.verify(Keyring([ring[old.key_id]]))


def test_a_key_id_cannot_be_attached_to_another_key(tmp_path: Path) -> None:
    signer = load_signer(tmp_path)
    entry = signer.keyring.to_json()[0]
    other = load_signer(tmp_path / "other").keyring.to_json()[0]
    entry["public_key"] = other["public_key"]
    with pytest.raises(KeyringError, match="does not belong"):
        Keyring.from_json([entry])


def test_unusable_key_files_give_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "public-keys.json").write_text("{not json")
    with pytest.raises(KeyringError, match="not valid JSON"):
        read_keyring(tmp_path)
    (tmp_path / "audit" / "public-keys.json").write_text(json.dumps({"public_keys": []}))
    (tmp_path / "audit" / "signing.key").write_text("garbage")
    with pytest.raises(KeyringError, match="not a PEM private key"):
        load_signer(tmp_path)
