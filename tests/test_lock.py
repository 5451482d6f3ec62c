"""The locked requirements agree with pyproject.toml and with the environment the tests run in.

`bash scripts/lock` writes requirements/{run,test}.txt from pyproject.toml; a dependency added
or narrowed in pyproject.toml without re-locking would install differently on a fresh clone.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def locked_pins(name: str) -> dict[str, tuple[Version, Marker | None]]:
    """The `name==version ; marker` lines of a lock file, by canonical package name."""
    pins: dict[str, tuple[Version, Marker | None]] = {}
    for line in (ROOT / "requirements" / f"{name}.txt").read_text().splitlines():
        if not line or line[0] in " #-":
            continue  # hashes, comments and options
        requirement = Requirement(line.rstrip(" \\"))
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line!r} is not an exact pin"
        pins[canonicalize_name(requirement.name)] = (Version(specifier.version), requirement.marker)
    return pins


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [("run", declared(None)), ("test", declared(None) + declared("test"))],
)
def test_every_declared_dependency_is_locked_within_its_range(
    lock: str, requirements: list[Requirement]
) -> None:
    pins = locked_pins(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/{lock}.txt: bash scripts/lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={version}, outside pyproject.toml's "
            f"{requirement}: run bash scripts/lock"
        )
        for extra in requirement.extras:  # e.g. uvicorn[standard] brings uvloop, httptools
            for dependency in metadata.requires(requirement.name) or []:
                extra_requirement = Requirement(dependency)
                marker = extra_requirement.marker
                wanted_by_extra = marker and marker.evaluate({"extra": extra})
                if wanted_by_extra and not marker.evaluate({"extra": ""}):
                    assert canonicalize_name(extra_requirement.name) in pins, (
                        f"{extra_requirement.name} (from {requirement}) is not locked"
                    )


def test_the_run_lock_pins_the_same_versions_as_the_test_lock() -> None:
    run, test = locked_pins("run"), locked_pins("test")
    assert set(run) <= set(test)
    assert {name: run[name][0] for name in run} == {name: test[name][0] for name in run}


def test_the_locks_name_the_command_that_upgrades_them() -> None:
    for lock in ("run", "test"):
        assert "bash scripts/lock" in (ROOT / "requirements" / f"{lock}.txt").read_text()


def test_this_environment_holds_exactly_the_locked_versions() -> None:
    for name, (version, marker) in locked_pins("test").items():
        if marker is not None and not marker.evaluate():
            continue
        installed = Version(metadata.version(name))
        assert installed == version, f"{name} {installed} is installed, the lock says {version}"
