"""docs/audit-bundle.md's worked example is what the code writes, and it verifies.

The example is rebuilt here with the project's own sealing, signing and line writing, from a
fixed key (RFC 8032's first test vector: Ed25519 signatures are deterministic) and fixed times
and ids; every value the document shows must be the one computed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoints import CHECKPOINT_STREAM, CHECKPOINT_TYPE, Checkpoint, sign
from audit.header import StreamCount, sign_header, streams_json
from audit.keys import Keyring, PublicKey, Signer, parse_vkey
from audit.lines import FORMAT, dumps, event_line, withheld_line
from audit.merkle import leaf_hash, root
from audit.verify import verify_bundle
from events.record import (
    GENESIS_HASH,
    Actor,
    Context,
    NewEvent,
    PayloadFormat,
    RecordedEvent,
    Stakeholder,
    canonical_json,
    seal,
)

SPEC = Path(__file__).resolve().parents[2] / "docs" / "audit-bundle.md"
RFC8032_TEST_1 = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
SECRETARIAT = Actor("p-dewi", "Dewi Lestari", "o-ogi", "Sekretariat OGI", Stakeholder.SECRETARIAT)


def at(minute: int, second: int) -> datetime:
    return datetime(2026, 1, 5, 9, minute, second, tzinfo=UTC)


def event(position: int, stream: str, type_: str, payload: object, actor: Actor, plan: str,
          prev: bytes, second: int) -> RecordedEvent:
    return seal(position=position, stream_id=stream, stream_version=1,
                new=NewEvent(type_, None, actor, Context(plan, "setup"),
                             f"00000000-0000-4000-8000-00000000000{position}"),
                payload_format=PayloadFormat.JSON, payload=canonical_json(payload),
                recorded_at=at(0, second), prev_hash=prev)


def example() -> tuple[list[str], Signer, list[RecordedEvent], list[Checkpoint]]:
    signer = Signer(Ed25519PrivateKey.from_private_bytes(RFC8032_TEST_1), Keyring())
    first = event(1, "plan:ran-ogi-vii", "plan.created",
                  {"title": "RAN OGI VII", "period": "2026-2027"}, SECRETARIAT, "ran-ogi-vii",
                  GENESIS_HASH, 1)
    other = event(2, "plan:other", "plan.created", {"title": "Another plan"}, SECRETARIAT,
                  "other", first.hash, 2)
    leaves = [leaf_hash(first.hash), leaf_hash(other.hash)]
    recorded = sign(signer, tree_size=2, root_hash=root(leaves), tip_hash=other.hash,
                    time=at(0, 3))
    checkpoint = event(3, CHECKPOINT_STREAM, CHECKPOINT_TYPE, recorded.to_json(),
                       Actor.system(), "ran-ogi-vii", other.hash, 3)
    leaves.append(leaf_hash(checkpoint.hash))
    exported = sign(signer, tree_size=3, root_hash=root(leaves), tip_hash=checkpoint.hash,
                    time=at(5, 0))
    key = PublicKey(signer.key_id, signer.public_key, at(0, 0))
    header = {"kind": "header", "format": FORMAT, "plan": "ran-ogi-vii", "origin": "kokreasi",
              "exported_at": "2026-01-05T09:05:00.000000Z", "tree_size": 3,
              "head_hash": checkpoint.hash.hex(), "public_keys": Keyring([key]).to_json(),
              "streams": streams_json([StreamCount("plan:ran-ogi-vii", 1, 1),
                                       StreamCount(CHECKPOINT_STREAM, 1, 3)]),
              "checkpoint": exported.to_json()}
    lines = [dumps(sign_header(header, signer)), dumps(event_line(first)),
             dumps(withheld_line(2, other.hash)), dumps(event_line(checkpoint))]
    return lines, signer, [first, other, checkpoint], [recorded, exported]


def test_the_worked_example_is_what_the_code_writes_and_it_verifies() -> None:
    spec = SPEC.read_text()
    lines, signer, events, checkpoints = example()
    block = re.search(r"```jsonl\n(.*?)```", spec, re.S)
    assert block is not None
    assert block.group(1) == "".join(lines)

    result = verify_bundle(block.group(1).splitlines(), trusted_keys=signer.keyring)
    assert (result.full, result.withheld, result.tree_size) == (2, 1, 3)

    public = signer.public_key
    key_hash = hashlib.sha256(b"kokreasi\n\x01" + public).digest()[:4]
    key_id = hashlib.sha256(b"kokreasi/audit-key/v1\n" + public).digest()[:8]
    assert f"public key  {public.hex()}" in spec
    assert f"key id      {key_id.hex()}" in spec
    assert f"key hash    {key_hash.hex()}" in spec
    assert f"vkey        {signer.vkey}" in spec
    assert parse_vkey(signer.vkey) == ("kokreasi", public)
    for recorded in events:
        assert f"| {recorded.position} | `{recorded.hash.hex()}` | " \
               f"`{leaf_hash(recorded.hash).hex()}` |" in spec
    leaves = [leaf_hash(e.hash) for e in events]
    assert f"= `{root(leaves[:2]).hex()}`; of size 3" in spec
    assert f"= `{root(leaves).hex()}`." in spec
    for checkpoint in checkpoints:
        assert f"```\n{checkpoint.note()}```" in spec
        assert base64.b64decode(checkpoint.note().split(" ")[-1])[:4] == key_hash


def test_the_specification_is_linked() -> None:
    root_dir = SPEC.parents[1]
    assert "docs/audit-bundle.md" in (root_dir / "README.md").read_text()
    assert "audit-bundle.md" in (root_dir / "docs" / "contracts.md").read_text()
