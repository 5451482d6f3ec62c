"""Stream versions remembered between the batches of one store.

Checking ``expected_version`` needs each stream's current version under the head lock. A
store that finds the head exactly where its own last commit left it knows that nobody else
appended in between, so the versions it remembers are still exact and need no query. Any
other head (another process appended, a commit whose outcome is unknown) forgets them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from .store import Head

MAX_REMEMBERED = 100_000


class VersionCache:
    def __init__(self) -> None:
        self._head: Head | None = None
        self._versions: dict[str, int] = {}

    def lookup(self, head: Head, streams: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """Versions known at ``head`` (the current, locked head), and the streams to query."""
        if head != self._head:
            self._head = None
            self._versions.clear()
            return {}, list(streams)
        known: dict[str, int] = {}
        missing: list[str] = []
        for stream in streams:
            version = self._versions.get(stream)
            if version is None:
                missing.append(stream)
            else:
                known[stream] = version
        return known, missing

    def committed(self, head: Head, versions: dict[str, int]) -> None:
        """After a commit that left the log at ``head``: ``versions`` are exact there."""
        if len(self._versions) + len(versions) > MAX_REMEMBERED:
            self._versions.clear()
        self._head = head
        self._versions.update(versions)
