"""The evidence pack: every requirement's evidence present, consistent and verifiable."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from plan_story import PLAN, Story

from audit.exports.evidence import write_evidence_pack
from audit.keys import Keyring
from audit.verify import verify_bundle


async def test_evidence_pack_maps_the_requirements(story: Story, tmp_path: Path) -> None:
    out = io.BytesIO()
    seen: list[tuple[int, int]] = []
    manifest = await write_evidence_pack(story.store, PLAN, out, keyring=Keyring(),
                                         signer=story.signer,
                                         progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    archive = zipfile.ZipFile(out)
    names = set(archive.namelist())
    for expected in (
        "README.md", "manifest.json", f"plan/{PLAN}-id.pdf", f"plan/{PLAN}-en.docx",
        "snapshots/01-setup-id.pdf", "snapshots/05-draft4-en.pdf",
        "diffs/02-setup-to-draft1.md", "diffs/04-draft2-to-draft3.md",
        "sessions/sessions.csv", "sessions/minutes.md", "public-input/register.html",
        "public-input/register.csv", "data/commitments.csv", "data/plan.json",
        f"audit/bundle-{PLAN}.jsonl", "audit/checkpoints.txt", "audit/public-keys.json",
    ):
        assert expected in names, expected

    # The manifest's hashes are the files' hashes.
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    assert json.loads(archive.read("manifest.json"))["files"] == manifest["files"]

    readme = archive.read("README.md").decode()
    assert "1 sessions held from 2023-03-12 to 2023-03-12" in readme
    assert "1 inputs, 1 with a reasoned response, 0 without" in readme
    assert "kokreasi audit verify audit/bundle-ran-ogi-vii.jsonl" in readme

    draft3 = archive.read("diffs/04-draft2-to-draft3.md").decode()
    assert "## ID0121 Make social welfare data more transparent" in draft3
    assert "Kementerian Sosial (3), Kementerian PPN/Bappenas (1)" in draft3
    assert "+RPJMN 2020-2024 social protection reform; Stranas PK." in draft3
    assert "### meta.lead_agency" in draft3
    assert ("Added text by / Teks ditambahkan oleh: Agus Pratama (Kementerian PPN/Bappenas) "
            f"{len('RPJMN 2020-2024 social protection reform; Stranas PK.')} characters") in draft3

    register = archive.read("public-input/register.html").decode()
    assert "Publish the data every month." in register and "partly" in register
    minutes = archive.read("sessions/minutes.md").decode()
    assert "Agreed to split publication by region." in minutes
    assert "Transparency International Indonesia; Suarise; Sekretariat OGI" in minutes

    keys = Keyring.from_json(json.loads(archive.read("audit/public-keys.json")))
    bundle = archive.read(f"audit/bundle-{PLAN}.jsonl").decode().splitlines()
    verified = verify_bundle(bundle, trusted_keys=keys)
    assert verified.plan == PLAN
    # One per stage advance; the last is still the log's last event, so none was added.
    assert len(verified.checkpoints) == 5
    assert verified.signed_up_to == verified.tree_size - 1
    assert {r.document_id for r in verified.replay.documents.values()} == {
        "d-welfare", "d-access"}
    notes = archive.read("audit/checkpoints.txt").decode()
    assert notes.count("\n\u2014 kokreasi ") == 5
