"""Tamper evidence: the chain check, in the store, offline, and as ``kokreasi verify``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from eventlog_helpers import RawDatabase, update

from audit.checkpoints import create_checkpoint
from audit.keys import Signer, load_signer
from events.record import record_hash
from events.store import EventStore
from events.verify import verify_events
from kokreasi.cli import main


async def _log_of_five(store: EventStore) -> None:
    await store.append("doc:a", [update(1), update(2)])
    await store.append("doc:b", [update(3)])
    await store.append("doc:a", [update(4), update(5)])


async def test_an_untouched_log_verifies(store: EventStore) -> None:
    await _log_of_five(store)
    report = await store.verify()
    assert report.ok and report.checked == 5 and report.head.position == 5
    partial = await store.verify(from_position=2, to_position=4)
    assert partial.ok and partial.checked == 3


async def _changed_byte(raw: RawDatabase) -> None:
    await raw.tamper(f"UPDATE events SET payload = {raw.blob(b'forged')} WHERE position = 3")


async def _changed_author(raw: RawDatabase) -> None:
    await raw.tamper("UPDATE events SET actor_org_name = 'Someone else' WHERE position = 3")


async def _deleted_row(raw: RawDatabase) -> None:
    await raw.tamper("DELETE FROM events WHERE position = 3")


async def _swapped_rows(raw: RawDatabase) -> None:
    await raw.swap(3, 4)


async def _cut_short(raw: RawDatabase) -> None:
    await raw.tamper("DELETE FROM events WHERE position >= 3")


TAMPERINGS = {
    "changed payload byte": (_changed_byte, 3),
    "changed author": (_changed_author, 3),
    "deleted row": (_deleted_row, 3),
    "swapped rows": (_swapped_rows, 3),
    "last rows removed": (_cut_short, 3),
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
async def test_tampering_is_found_at_the_first_bad_position(
    store: EventStore, raw: RawDatabase, tampering: str
) -> None:
    await _log_of_five(store)
    alter, bad_position = TAMPERINGS[tampering]
    await alter(raw)
    report = await store.verify()
    assert not report.ok
    assert report.first_bad_position == bad_position
    assert report.checked == bad_position - 1


@pytest.mark.parametrize("tampering", ["changed payload byte", "deleted row", "swapped rows"])
async def test_kokreasi_verify_exits_non_zero_naming_the_position(
    store: EventStore, raw: RawDatabase, database_url: str, tampering: str,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    await _log_of_five(store)
    argv = ["verify", "--data-dir", str(tmp_path / "data"), "--database-url", database_url]
    # main() runs its own event loop, as the real command does: give it a thread.
    assert await asyncio.to_thread(main, argv) == 0
    assert capsys.readouterr().out.startswith("ok: 5 events verified; head at position 5")
    alter, bad_position = TAMPERINGS[tampering]
    await alter(raw)
    assert await asyncio.to_thread(main, argv) == 1
    assert f"FAILED at position {bad_position}:" in capsys.readouterr().err


def test_kokreasi_verify_as_a_command(tmp_path: Path) -> None:
    """The installed entry point, in its own process, with the default SQLite location."""
    data = tmp_path / "data"
    command = [sys.executable, "-m", "kokreasi.cli", "verify", "--data-dir", str(data)]
    missing = subprocess.run(command, capture_output=True, text=True, check=False,
                             cwd=Path(__file__).resolve().parents[2])
    assert missing.returncode == 2 and "no event log" in missing.stderr
    assert not (data / "events.sqlite3").exists()


def test_kokreasi_verify_reports_an_unreachable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--data-dir", str(tmp_path),
                 "--database-url", "postgresql://postgres@127.0.0.1:1/nothing"])
    assert code == 2
    assert "error:" in capsys.readouterr().err


async def test_offline_verification_of_exported_events(store: EventStore) -> None:
    await _log_of_five(store)
    exported = await store.read_all()
    head = await store.head()
    assert verify_events(exported, head=head).ok
    forged = list(exported)
    forged[1] = dataclasses.replace(forged[1], payload=b"forged")
    report = verify_events(forged, head=head)
    assert (report.first_bad_position, report.checked) == (2, 1)
    assert "hash" in (report.reason or "")
    # Re-hashing the forged event is not enough: the next event's link still breaks.
    forged[1] = dataclasses.replace(forged[1], hash=b"\x07" * 32)
    assert verify_events(forged, head=head).first_bad_position == 2
    assert verify_events(exported[2:], start_position=3, prev_hash=exported[1].hash).ok
    assert verify_events(exported[:4], head=head).first_bad_position == 5


async def test_kokreasi_verify_writes_nothing(
    store: EventStore, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Verifying reads: no secret, no key, no directory appears where there was none."""
    monkeypatch.delenv("KOKREASI_SECRET_KEY", raising=False)
    await _log_of_five(store)
    nowhere = tmp_path / "nowhere"
    argv = ["verify", "--data-dir", str(nowhere), "--database-url", database_url]
    assert await asyncio.to_thread(main, argv) == 0
    assert "no signed checkpoint in the log yet" in capsys.readouterr().out
    assert not nowhere.exists()


async def _rehash_from(raw: RawDatabase, store: EventStore, position: int) -> None:
    """A forger with the database: change one payload, then recompute every hash and link
    after it, so that the chain is intact again."""
    events = await store.read_all()
    statements, prev = [], events[position - 2].hash
    for event in events[position - 1:]:
        if event.position == position:
            event = dataclasses.replace(event, payload=b"forged")
        event = dataclasses.replace(event, prev_hash=prev)
        prev = record_hash(event)
        statements.append(f"UPDATE events SET payload = {raw.blob(event.payload)}, "
                          f"prev_hash = {raw.blob(event.prev_hash)}, hash = {raw.blob(prev)} "
                          f"WHERE position = {event.position}")
    await raw.tamper(*statements, f"UPDATE log_head SET hash = {raw.blob(prev)}")


async def test_kokreasi_verify_checks_the_signed_checkpoints(
    store: EventStore, raw: RawDatabase, database_url: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _log_of_five(store)
    data = tmp_path / "data"
    signer = load_signer(data)
    await create_checkpoint(store, signer)  # position 6 signs 1..5
    await store.append("doc:a", [update(6)])  # position 7: after the newest checkpoint
    argv = ["verify", "--data-dir", str(data), "--database-url", database_url]
    assert await asyncio.to_thread(main, argv) == 0
    out = capsys.readouterr().out
    assert "ok: 7 events verified" in out
    assert ("1 signed checkpoint verifies against the log; the newest signs positions 1..5 "
            "(recorded at position 6)") in out
    assert "position 7 is covered by the chain only" in out

    # Checked against published keys: a stranger's keys do not sign these checkpoints.
    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps(Signer.generate().keyring.to_json()))
    assert await asyncio.to_thread(main, [*argv, "--keys", str(stranger)]) == 1
    assert "signed by unknown key" in capsys.readouterr().err

    await _rehash_from(raw, store, 3)
    assert (await store.verify()).ok  # the chain alone no longer sees anything
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert "FAILED: the checkpoint of size 5 recorded at position 6" in err
    assert "positions 1..5 were changed after it was signed" in err

    # With no public keys at all, the checkpoints cannot be checked: say so, do not pass.
    elsewhere = ["verify", "--data-dir", str(tmp_path / "elsewhere"), "--database-url",
                 database_url]
    assert await asyncio.to_thread(main, elsewhere) == 2
    assert "no public keys to check its 1 signed checkpoint" in capsys.readouterr().err
