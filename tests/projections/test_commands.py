"""``kokreasi rebuild`` and ``kokreasi replay`` on a real SQLite log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import scenario

import events
from kokreasi.cli import main


def _build(url: str) -> None:
    async def run() -> None:
        store = await events.open_store(url)
        try:
            await scenario.build(store)
        finally:
            await store.close()

    asyncio.run(run())


def test_rebuild_shows_progress_and_replay_prints_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    _build(url)
    common = ["--data-dir", str(tmp_path), "--database-url", url]
    assert main(["rebuild", *common]) == 0
    err = capsys.readouterr().err
    assert "100%" in err and "left" in err and "rebuilt from 11 events" in err
    assert main(["replay", "c1", "--at", "1", *common]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["position"] == 1
    assert shown["content"]["sections"]["problem"]["text"] == "Data penerima bansos tertutup."
    assert main(["replay", "c1", "--at", "3", "--history", *common]) == 0
    listed = json.loads(capsys.readouterr().out)["events"]
    assert [e["summary"] for e in listed[1:]] == [
        "inserted ' Warga' in problem", "inserted ' tidak' in problem",
    ]
