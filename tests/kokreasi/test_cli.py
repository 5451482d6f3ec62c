"""The ``kokreasi`` command as a person at a terminal meets it: a version, a description for
every command, one clear line (never a traceback) and a non-zero exit for every bad input, and
read-only commands that leave the disk as they found it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kokreasi.cli import build_parser


def kokreasi(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOKREASI_")}
    return subprocess.run(
        [sys.executable, "-m", "kokreasi.cli", *args], cwd=cwd, env={**clean, **(env or {})},
        capture_output=True, text=True, timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("kokreasi")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_version(tmp_path: Path) -> None:
    result = kokreasi("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("kokreasi ") and result.stdout.split()[1][0].isdigit()


def commands_of(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, Any]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                found[prefix + name] = command
                found.update(commands_of(command, f"{prefix}{name} "))
    return found


def test_every_command_has_a_description() -> None:
    commands = commands_of(build_parser())
    assert {"serve", "token", "demo", "verify", "migrate", "rebuild", "replay", "audit",
            "audit export", "audit verify", "export"} <= set(commands)
    for name, command in commands.items():
        assert command.description, f"kokreasi {name} has no description"


@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_an_impossible_port_is_an_error_not_a_random_port(tmp_path: Path, port: str) -> None:
    line = one_line_error(kokreasi("serve", "--port", port, cwd=tmp_path))
    assert "port" in line


def test_a_misspelt_setting_is_named(tmp_path: Path) -> None:
    line = one_line_error(kokreasi("migrate", cwd=tmp_path, env={"KOKREASI_DATABSE_URL": "x"}))
    assert "KOKREASI_DATABSE_URL" in line and "KOKREASI_DATABASE_URL" in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("KOKREASI_DATABASE_URL", "mysql://db"), ("KOKREASI_PORT", "99999"),
     ("KOKREASI_EDITS_PER_SECOND", "fast"), ("KOKREASI_ACCESS_POLICY", "everyone")],
)
def test_a_bad_setting_value_is_named(tmp_path: Path, variable: str, value: str) -> None:
    assert variable in one_line_error(kokreasi("migrate", cwd=tmp_path, env={variable: value}))


def test_verify_and_replay_create_nothing_on_disk(tmp_path: Path) -> None:
    for command in (("verify",), ("replay", "some-document")):
        line = one_line_error(kokreasi(*command, "--data-dir", "missing", cwd=tmp_path))
        assert "no event log" in line
    assert list(tmp_path.iterdir()) == []


def test_unknown_document_and_missing_files_are_one_line(tmp_path: Path) -> None:
    assert kokreasi("migrate", "--data-dir", "data", cwd=tmp_path).returncode == 0
    assert "no document" in one_line_error(
        kokreasi("replay", "nothing-here", "--data-dir", "data", cwd=tmp_path))
    one_line_error(kokreasi("audit", "verify", "missing.jsonl", cwd=tmp_path))
    one_line_error(kokreasi("export", "--plan", "p", "--format", "csv", "--out",
                            str(tmp_path / "no" / "such" / "dir.csv"), "--data-dir", "data",
                            cwd=tmp_path))
