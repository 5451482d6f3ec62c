"""The audit bundle: exported from a real log, verified offline, and every kind of tampering
an auditor must catch is caught, with exit code 1 and a message naming the place."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_history import OTHER_PLAN, PLAN, TII, History, run_cli

from audit.checkpoints import create_checkpoint, list_checkpoints, sign
from audit.keys import Signer
from audit.lines import parse_event
from audit.proofs import prove_consistency
from events.record import record_hash

Lines = list[dict[str, Any]]


async def export(history: History, out: Path, *extra: str) -> None:
    argv = ["audit", "export", "--plan", PLAN, "--out", str(out), "--data-dir",
            str(history.data_dir), "--database-url", history.database_url, *extra]
    assert await asyncio.to_thread(run_cli, *argv) == 0


def verify(path: Path, *extra: str) -> int:
    return run_cli("audit", "verify", str(path), *extra)


def read(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_text().splitlines()]


def files_named(directory: Path, pattern: str) -> list[Path]:
    return list(directory.glob(pattern))


def content(path: Path) -> str:
    return path.read_text()


def write(path: Path, lines: Lines) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return path


def find(lines: Lines, test: Callable[[dict[str, Any]], bool]) -> int:
    return next(i for i, line in enumerate(lines) if test(line))


def rehash_from(lines: Lines, index: int) -> None:
    """What a forger who controls the file does: recompute every hash and link after a change,
    so the chain holds again. Only the signed checkpoints still remember the truth."""
    prev = bytes.fromhex(lines[index - 1]["hash"]) if index > 1 else bytes(32)
    for line in lines[index:]:
        if line["kind"] == "event":
            line["prev_hash"] = prev.hex()
            line["hash"] = record_hash(parse_event(line)).hex()
        prev = bytes.fromhex(line["hash"])
    lines[0]["head_hash"] = prev.hex()


@pytest.fixture
async def bundle(history: History, tmp_path: Path) -> Path:
    path = tmp_path / "bundle.jsonl"
    await export(history, path)
    return path


async def test_export_then_verify_offline(
    history: History, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    header = lines[0]
    assert header["plan"] == PLAN
    assert [k["key_id"] for k in header["public_keys"]] == [history.signer.key_id]
    log = await history.store.read_all()
    assert header["tree_size"] == len(log) == len(lines) - 1
    assert [line["position"] for line in lines[1:]] == [e.position for e in log]
    assert [line["hash"] for line in lines[1:]] == [e.hash.hex() for e in log]
    edit = lines[find(lines, lambda x: x.get("person") == "Sari Wulandari")]
    assert edit["organisation"] == "Kementerian PPN/Bappenas"
    assert edit["stakeholder"] == "kldi" and edit["stage"] == "draft3"
    assert edit["type"] == "crdt.update" and edit["payload_format"] == "binary"
    assert edit["plan_id"] == PLAN and base64.b64decode(edit["payload_base64"])
    submitted = lines[find(lines, lambda x: x.get("type") == "input.submitted")]
    assert submitted["payload"] == {"text": "Publish monthly"}
    capsys.readouterr()

    assert verify(bundle) == 0
    report = capsys.readouterr().out
    assert f"OK: audit bundle of plan {PLAN} verifies." in report
    # Two stage advances and the export recorded one each; the header signs the bundle too.
    assert "3 signed checkpoints recorded in the log verify" in report
    assert (f"The header (plan, streams given in full and their event counts, size, head) is "
            f"signed by key {history.signer.key_id}") in report
    assert f"signs positions 1..{header['tree_size']}." in report
    assert "come after the newest checkpoint" not in report  # the export recorded the last
    assert "'ID0121 Social welfare data made open'" in report
    assert "People: 4; organisations: 4" in report
    assert "draft1: 4 (" in report and "Transparency International Indonesia 2" in report
    assert "draft3: 4 (" in report and "Kementerian PPN/Bappenas 1" in report
    assert "WARNING: signatures were checked against the keys in the bundle itself" in report


async def test_other_plans_are_withheld_but_still_verify(bundle: Path) -> None:
    text = content(bundle)
    lines = read(bundle)
    assert "Confidential" not in text and "Private draft" not in text
    assert "c-secret" not in text and OTHER_PLAN not in text
    withheld = [line for line in lines if line["kind"] == "withheld"]
    assert len(withheld) == 3 and all(set(w) == {"kind", "position", "hash"} for w in withheld)
    assert verify(bundle) == 0


async def test_verify_with_trusted_keys_file(
    history: History, bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"public_keys": history.signer.keyring.to_json()}))
    assert verify(bundle, "--keys", str(keys)) == 0
    assert "checked against the trusted keys given" in capsys.readouterr().out
    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps(Signer.generate().keyring.to_json()))
    assert verify(bundle, "--keys", str(stranger)) == 1
    assert "signed by unknown key" in capsys.readouterr().err


def tampered(bundle: Path, change: Callable[[Lines], object]) -> Path:
    lines = read(bundle)
    change(lines)
    return write(bundle.with_name("tampered.jsonl"), lines)


def expect_failure(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    capsys.readouterr()
    assert verify(path) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "FAILED" in captured.err
    for fragment in fragments:
        assert fragment in captured.err
    return captured.err


def is_input(line: dict[str, Any]) -> bool:
    return line.get("type") == "input.submitted"


def is_bappenas_edit(line: dict[str, Any]) -> bool:
    return line.get("person") == "Sari Wulandari"


async def test_changed_json_payload_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_input)
    position = lines[index]["position"]

    def change(lines: Lines) -> None:
        lines[index]["payload"]["text"] = "Publish yearly"

    expect_failure(tampered(bundle, change), capsys, f"line {index + 1}, position {position}",
                   "changed after it was recorded")


async def test_one_changed_byte_of_a_crdt_update_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)

    def change(lines: Lines) -> None:
        raw = bytearray(base64.b64decode(lines[index]["payload_base64"]))
        raw[-3] ^= 0x01
        lines[index]["payload_base64"] = base64.b64encode(raw).decode()

    expect_failure(tampered(bundle, change), capsys, f"position {lines[index]['position']}",
                   "changed after it was recorded")


async def test_changed_attribution_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)

    def change(lines: Lines) -> None:
        lines[index]["organisation"] = "Transparency International Indonesia"

    expect_failure(tampered(bundle, change), capsys, "changed after it was recorded")


async def test_removed_event_is_caught(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)
    position = lines[index]["position"]
    expect_failure(tampered(bundle, lambda ls: ls.pop(index)), capsys,
                   f"expected position {position}, found {position + 1}", "removed")


async def test_reordered_events_are_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)
    position = lines[index]["position"]

    def swap(lines: Lines) -> None:
        lines[index], lines[index + 1] = lines[index + 1], lines[index]

    expect_failure(tampered(bundle, swap), capsys, f"expected position {position}, "
                   f"found {position + 1}")


async def test_renumbered_reorder_is_caught_by_the_chain(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)

    def swap_and_renumber(lines: Lines) -> None:
        lines[index], lines[index + 1] = lines[index + 1], lines[index]
        lines[index]["position"], lines[index + 1]["position"] = (
            lines[index + 1]["position"], lines[index]["position"])

    # The moved event does not link to the one now before it.
    expect_failure(tampered(bundle, swap_and_renumber), capsys, f"line {index + 2}",
                   "prev_hash does not match", "the chain is broken")


async def test_truncated_bundle_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect_failure(tampered(bundle, lambda ls: ls.pop()), capsys, "the bundle ends at position",
                   "removed from the end")


async def test_held_back_event_of_the_plan_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_bappenas_edit)

    def withhold(lines: Lines) -> None:
        line = lines[index]
        lines[index] = {"kind": "withheld", "position": line["position"], "hash": line["hash"]}

    expect_failure(tampered(bundle, withhold), capsys,
                   "stream 'doc:c-id0121' version 5 follows version 3", "held back")


async def test_rewritten_history_with_a_consistent_chain_is_caught_by_the_checkpoint(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, is_input)  # made after the second checkpoint, before the third

    def rewrite(lines: Lines) -> None:
        lines[index]["payload"]["text"] = "Publish yearly"
        rehash_from(lines, index)

    error = expect_failure(tampered(bundle, rewrite), capsys, "checkpoint of size",
                           "Merkle root recomputed", "changed after it was signed")
    assert f"size {len(lines) - 2}" in error


async def test_forged_checkpoint_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = len(lines) - 1  # the checkpoint the export signed
    assert lines[index]["type"] == "audit.checkpoint"

    def forge(lines: Lines) -> None:
        payload = lines[index]["payload"]
        payload["tree_size"] -= 1  # claim a smaller log was signed, with its real root
        rehash_from(lines, index)

    expect_failure(tampered(bundle, forge), capsys, f"line {index + 1}",
                   "the signature by key", "does not match its content")

    def forge_with_own_key(lines: Lines) -> None:
        forger = Signer.generate()
        real = lines[index]["payload"]
        fake = sign(forger, tree_size=real["tree_size"], root_hash=bytes(32),
                    tip_hash=bytes.fromhex(real["tip_hash"]))
        lines[index]["payload"] = fake.to_json()
        rehash_from(lines, index)

    expect_failure(tampered(bundle, forge_with_own_key), capsys, "signed by unknown key")


async def test_garbage_gives_a_clear_message(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(content(bundle).replace('"kind":"event"', '"kind":"event', 1))
    expect_failure(broken, capsys, "line 2", "not valid JSON")
    not_bundle = write(tmp_path / "other.jsonl", [{"hello": "world"}])
    expect_failure(not_bundle, capsys, "not an audit bundle")
    capsys.readouterr()
    assert verify(tmp_path / "missing.jsonl") == 2
    assert "cannot read" in capsys.readouterr().err


async def test_consistency_proof_shows_the_log_grew_honestly(
    history: History, bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    size = read(bundle)[0]["tree_size"]
    welfare = history.docs["welfare"]
    await welfare.edit(TII, "draft4", lambda d: d.title.insert(0, "Final: "))
    await create_checkpoint(history.store, history.signer)
    proof = await prove_consistency(history.store, size)
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(json.dumps(proof.to_json()))
    capsys.readouterr()
    assert verify(bundle, "--consistency", str(proof_file)) == 0
    assert f"extends this bundle's first {size} positions" in capsys.readouterr().out

    # A bundle whose history was rewritten (chain recomputed, its own checkpoints and every
    # signature dropped) does not match what the server now proves.
    def rewrite(lines: Lines) -> None:
        index = find(lines, is_input)
        lines[index]["payload"]["text"] = "Publish yearly"
        rehash_from(lines, index)
        withhold_where(lines, lambda line: line.get("type") == "audit.checkpoint")
        for signed in ("signature", "checkpoint"):
            del lines[0][signed]
        lines[0]["streams"] = [s for s in lines[0]["streams"]
                               if s["stream_id"] != "audit:checkpoints"]
    rewritten = tampered(bundle, rewrite)
    capsys.readouterr()
    assert verify(rewritten, "--consistency", str(proof_file), "--allow-unsigned") == 1
    assert "does not extend this bundle's history" in capsys.readouterr().err

    data = proof.to_json()
    data["proof"][0] = "00" * 32
    proof_file.write_text(json.dumps(data))
    assert verify(bundle, "--consistency", str(proof_file)) == 1
    assert f"consistency proof from size {size}" in capsys.readouterr().err


def test_verify_needs_no_server_and_no_database(tmp_path: Path) -> None:
    """The real entry point, in a fresh process with no configuration at all."""
    bundle = tmp_path / "empty.jsonl"
    signer = Signer.generate()
    header = {"kind": "header", "format": "kokreasi-audit-bundle/3", "plan": "p",
              "tree_size": 0, "head_hash": "00" * 32, "public_keys": signer.keyring.to_json()}
    write(bundle, [header])
    done = subprocess.run(
        [sys.executable, "-m", "kokreasi.cli", "audit", "verify", str(bundle)],
        capture_output=True, text=True, env={"PATH": "", "PYTHONPATH": str(Path.cwd())},
        cwd=tmp_path, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "header is not signed, so nothing ties it to the server" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "kokreasi.cli", "audit", "verify", str(bundle), "--allow-unsigned"],
        capture_output=True, text=True, env={"PATH": "", "PYTHONPATH": str(Path.cwd())},
        cwd=tmp_path, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK: audit bundle of plan p verifies." in done.stdout
    assert "WARNING: the header is not signed" in done.stdout
    header["tree_size"] = 1
    write(bundle, [header])
    done = subprocess.run(
        [sys.executable, "-m", "kokreasi.cli", "audit", "verify", str(bundle), "--allow-unsigned"],
        capture_output=True, text=True, env={"PATH": "", "PYTHONPATH": str(Path.cwd())},
        cwd=tmp_path, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "ends at position 0 but its header says 1" in done.stderr


async def test_rebuilt_documents_can_be_written_out(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    assert verify(bundle, "--documents", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["c-id0121.json"]
    document = json.loads((out / "c-id0121.json").read_text())
    assert document["title"] == "ID0121 Social welfare data made open"
    assert document["meta"] == {"number": "1"}
    assert document["milestones"] == [{"activity": "Publish the DTKS data dictionary"}]


async def test_a_kept_checkpoint_note_is_checked_against_a_proof(
    history: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = (await list_checkpoints(history.store))[0]
    note = tmp_path / "kept.note"
    note.write_text(kept.note())
    await create_checkpoint(history.store, history.signer)
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(json.dumps((await prove_consistency(history.store,
                                                              kept.tree_size)).to_json()))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(history.signer.keyring.to_json()))
    capsys.readouterr()
    assert verify(note, "--keys", str(keys), "--consistency", str(proof_file)) == 0
    assert f"checkpoint of size {kept.tree_size}" in capsys.readouterr().out

    # Someone's kept note of a different history (same size, another root) fails.
    other = sign(history.signer, tree_size=kept.tree_size, root_hash=bytes(32),
                 tip_hash=kept.tip_hash)
    note.write_text(other.note())
    assert verify(note, "--keys", str(keys), "--consistency", str(proof_file)) == 1
    assert "does not extend the kept checkpoint" in capsys.readouterr().err
    assert verify(note, "--consistency", str(proof_file)) == 2
    assert "give --keys" in capsys.readouterr().err


async def test_stripping_the_checkpoints_is_not_accepted(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def strip(lines: Lines) -> None:
        withhold_where(lines, lambda line: line.get("type") == "audit.checkpoint")

    expect_failure(tampered(bundle, strip), capsys, "stream 'audit:checkpoints'",
                   "0 are given in full")


async def test_checkpoint_and_prove_commands(
    history: History, bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_options = ["--data-dir", str(history.data_dir), "--database-url",
                     history.database_url]
    size = read(bundle)[0]["tree_size"]
    await history.docs["welfare"].edit(TII, "draft4", lambda d: d.title.insert(0, "v2 "))
    capsys.readouterr()
    assert await asyncio.to_thread(run_cli, "audit", "checkpoint", *store_options) == 0
    note = capsys.readouterr().out
    assert note.startswith(f"kokreasi\n{size + 1}\n")  # the bundle's log and the new edit
    proof = tmp_path / "proof.json"
    assert await asyncio.to_thread(run_cli, "audit", "prove", "--from", str(size), "--out",
                                   str(proof), *store_options) == 0
    assert verify(bundle, "--consistency", str(proof)) == 0
    assert await asyncio.to_thread(run_cli, "audit", "prove", "--from", "999",
                                   *store_options) == 1
    assert "beyond the newest checkpoint" in capsys.readouterr().err
    assert await asyncio.to_thread(run_cli, "audit", "keys", "--rotate", "--data-dir",
                                   str(history.data_dir)) == 0
    keys = json.loads(capsys.readouterr().out)
    assert len(keys["public_keys"]) == 2 and keys["current"] != history.signer.key_id
    # After the rotation the old checkpoints still verify against the published keys.
    published = tmp_path / "keys.json"
    published.write_text(json.dumps(keys))
    assert verify(bundle, "--keys", str(published)) == 0


def test_progress_bar_draws_on_a_terminal_only() -> None:
    import io as io_module

    from kokreasi.progress import ProgressBar

    quiet = io_module.StringIO()
    ProgressBar("x", quiet)(5, 10)
    assert quiet.getvalue() == ""
    shown = io_module.StringIO()
    bar = ProgressBar("bundle", shown, force=True)
    bar(10, 10)
    bar.close()
    assert shown.getvalue().startswith("\rbundle [##############################] 100% 10/10 ")
    assert shown.getvalue().endswith(" left\n")


async def test_a_changed_withheld_hash_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read(bundle)
    index = find(lines, lambda x: x["kind"] == "withheld")

    def change(lines: Lines) -> None:
        lines[index]["hash"] = "11" * 32

    expect_failure(tampered(bundle, change), capsys, f"line {index + 2}",
                   "prev_hash does not match")


async def test_exporting_an_unknown_plan_fails_and_signs_nothing(
    history: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await history.store.head()
    out = tmp_path / "nope.jsonl"
    argv = ["audit", "export", "--plan", "nope", "--out", str(out), "--data-dir",
            str(history.data_dir), "--database-url", history.database_url]
    assert await asyncio.to_thread(run_cli, *argv) == 1
    assert "the log holds no plan 'nope'" in capsys.readouterr().err
    assert await history.store.head() == before
    assert not files_named(tmp_path, "nope.jsonl*")


def is_welfare_document(line: dict[str, Any]) -> bool:
    return line.get("stream_id") == "doc:c-id0121"


def withhold_where(lines: Lines, test: Callable[[dict[str, Any]], bool]) -> None:
    for index, line in enumerate(lines):
        if line["kind"] == "event" and test(line):
            lines[index] = {"kind": "withheld", "position": line["position"],
                            "hash": line["hash"]}


async def test_a_whole_commitment_history_withheld_is_caught(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Withheld lines carry no stream, so without the signed header a commitment's whole
    history could pass for another plan's."""
    events = len([line for line in read(bundle) if is_welfare_document(line)])
    expect_failure(tampered(bundle, lambda ls: withhold_where(ls, is_welfare_document)), capsys,
                   f"stream 'doc:c-id0121': the signed header lists {events} events",
                   "0 are given in full", "withheld")


async def test_the_header_is_covered_by_the_signature(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = read(bundle)[0]
    assert header["format"] == "kokreasi-audit-bundle/3"
    assert "doc:c-id0121" in [s["stream_id"] for s in header["streams"]]

    def drop_stream(lines: Lines) -> None:
        # The forger also takes the commitment out of the header's list of streams.
        withhold_where(lines, is_welfare_document)
        lines[0]["streams"] = [s for s in lines[0]["streams"]
                               if s["stream_id"] != "doc:c-id0121"]

    expect_failure(tampered(bundle, drop_stream), capsys, "line 1",
                   "the header's signature", "does not match")

    def other_plan(lines: Lines) -> None:
        lines[0]["plan"] = OTHER_PLAN

    expect_failure(tampered(bundle, other_plan), capsys, "the header's signature")

    def unsigned(lines: Lines) -> None:
        del lines[0]["signature"]

    expect_failure(tampered(bundle, unsigned), capsys, "header is not signed",
                   "nothing ties it to the server")


async def test_the_tail_after_the_last_recorded_checkpoint_is_signed_at_export(
    history: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exported without recording a checkpoint (as the web app's GET does): the events after
    the newest checkpoint in the log are covered by the checkpoint signed into the header."""
    path = tmp_path / "bundle.jsonl"
    before = await history.store.head()
    await export(history, path, "--no-checkpoint")
    assert await history.store.head() == before  # nothing was written to the log
    lines = read(path)
    recorded = [line for line in lines if line.get("type") == "audit.checkpoint"]
    newest = recorded[-1]["position"]
    size = lines[0]["tree_size"]
    assert lines[0]["checkpoint"]["tree_size"] == size > newest
    capsys.readouterr()
    assert verify(path) == 0
    report = capsys.readouterr().out
    assert (f"Positions {newest + 1}..{size} come after the newest checkpoint recorded in the "
            "log: they are covered by the checkpoint signed at export") in report

    def rewrite_tail(lines: Lines) -> None:
        index = find(lines, is_input)  # after the newest recorded checkpoint
        lines[index]["payload"]["text"] = "Publish yearly"
        rehash_from(lines, index)

    expect_failure(tampered(path, rewrite_tail), capsys, "the header's signature")
