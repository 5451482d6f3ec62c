"""Small modules with one job: a module of the product over 400 lines says at its top why it is
one long module, so a file that grows past that is split or explained, never just grown."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("kokreasi", "events", "identity", "commitment", "httpapi", "ycodec", "throttle", "server",
         "projections", "process", "audit")
LIMIT = 400
REASON = "Why this is one long module:"


def long_modules_without_a_reason(root: Path) -> list[str]:
    found = []
    for part in PARTS:
        for path in sorted((root / part).rglob("*.py")):
            text = path.read_text()
            if text.count("\n") > LIMIT and REASON not in (ast.get_docstring(ast.parse(text))
                                                            or ""):
                found.append(f"{path.relative_to(root)}: {text.count(chr(10))} lines")
    return found


def test_every_long_module_says_why() -> None:
    assert long_modules_without_a_reason(ROOT) == []


@pytest.mark.parametrize("docstring", ['"""A module."""\n', f'"""A module.\n\n{REASON} x."""\n'])
def test_the_rule_catches_a_long_module_without_a_reason(tmp_path: Path, docstring: str) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "big.py").write_text(docstring + "x = 1\n" * (LIMIT + 1))
    for part in PARTS:
        (tmp_path / part).mkdir(exist_ok=True)
    expected = [] if REASON in docstring else ["server/big.py: 402 lines"]
    assert long_modules_without_a_reason(tmp_path) == expected
