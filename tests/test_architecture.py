"""Imports point one way: kokreasi → {server, process, audit} → projections → {events, identity,
commitment, httpapi, ycodec, throttle}.

Every import counts: at the top of a module, inside a function, under ``TYPE_CHECKING``, and a
module name handed to ``importlib.import_module`` or ``__import__``. A part that needs something
from a part above it gets it handed down by the composition root (``kokreasi``) instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each part may import. Within {server, process, audit} only audit → process is allowed
# (the exports read the process state), so the three form no cycle.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "kokreasi": frozenset({"server", "process", "audit", "projections", "events", "identity",
                           "commitment", "httpapi", "ycodec", "throttle"}),
    "audit": frozenset({"process", "projections", "events", "identity", "commitment", "httpapi",
                        "ycodec"}),
    "server": frozenset({"projections", "events", "identity", "commitment", "httpapi", "ycodec",
                        "throttle"}),
    "process": frozenset({"projections", "events", "identity", "commitment", "httpapi", "ycodec",
                         "throttle"}),
    "projections": frozenset({"events", "identity", "commitment", "httpapi", "ycodec"}),
    "identity": frozenset({"events"}),
    "commitment": frozenset(),
    "events": frozenset(),
    "httpapi": frozenset(),
    "ycodec": frozenset(),
    "throttle": frozenset(),
}
PARTS = frozenset(MAY_IMPORT)
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted and absolute
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[Import]:
    """Every module ``source`` (the text of ``module``) imports, wherever the import stands."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield Import(module, target, node.lineno)
            for alias in node.names:  # `from package import module` imports the module too
                yield Import(module, f"{target}.{alias.name}", node.lineno)
        elif isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(
                function, "id", None)
            if name in DYNAMIC_IMPORTERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield Import(module, first.value, node.lineno)


def wrong_way_imports(root: Path) -> list[str]:
    found: dict[str, None] = {}  # one entry per import statement, in order
    for part in sorted(PARTS):
        for path in sorted((root / part).rglob("*.py")):
            module = module_name(path, root)
            for imported in imports_of(path.read_text(), module, path.name == "__init__.py"):
                target_part = imported.target.split(".")[0]
                if target_part in PARTS - MAY_IMPORT[part] - {part}:
                    where = f"{path.relative_to(root)}:{imported.line}"
                    found.setdefault(f"{where}: {part} imports {target_part}")
    return list(found)


def test_every_part_imports_only_the_parts_below_it() -> None:
    assert wrong_way_imports(ROOT) == []


def test_the_allowed_order_has_no_cycle() -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(part: str, path: tuple[str, ...]) -> None:
        assert part not in visiting, f"cycle: {' → '.join((*path, part))}"
        if part in done:
            return
        visiting.add(part)
        for below in MAY_IMPORT[part]:
            visit(below, (*path, part))
        visiting.discard(part)
        done.add(part)

    for part in MAY_IMPORT:
        visit(part, ())


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("events/late.py", "def f():\n    from server import rooms\n"),
        ("projections/late.py", "import importlib\nimportlib.import_module('process.state')\n"),
        ("identity/late.py", "from typing import TYPE_CHECKING\n"
                             "if TYPE_CHECKING:\n    from process.state import ProcessState\n"),
        ("process/sub/late.py", "from ...audit import api\n"),
        ("server/late.py", "__import__('kokreasi.app')\n"),
    ],
)
def test_an_upward_import_is_found_however_it_is_written(
    tmp_path: Path, where: str, text: str
) -> None:
    for part in PARTS:
        (tmp_path / part).mkdir()
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert len(wrong_way_imports(tmp_path)) == 1
