"""Whole numbers in URLs (log positions, tree sizes, versions, page sizes), read by one rule
for every route: a number no 64-bit column holds, or digits that are not ASCII (``²`` is a
digit to ``str.isdigit`` and not to ``int``), is the caller's mistake, answered 400 with the
parameter's name, not a 500 from the database."""

from __future__ import annotations

MAX_WHOLE = 2**63 - 1  # positions, versions and sizes are signed 64-bit columns


class BadNumber(ValueError):
    """A parameter that should be a whole number is not one, or is out of range."""


def looks_whole(text: str) -> bool:
    """Whether ``text`` is meant as a number (as opposed to a stage name or a timestamp)."""
    return text.isascii() and text.isdigit()


def whole_number(text: str, name: str) -> int:
    """``text`` as a whole number from 0 to ``MAX_WHOLE``; ``BadNumber`` naming ``name``."""
    if looks_whole(text) and len(text) <= len(str(MAX_WHOLE)):
        value = int(text)
        if value <= MAX_WHOLE:
            return value
    raise BadNumber(f"{name} harus bilangan bulat 0 sampai {MAX_WHOLE} / {name} must be a "
                    f"whole number from 0 to {MAX_WHOLE}, not {text[:40]!r}")
