"""The export cache: one build per key, in a worker thread, shared by whoever asks meanwhile."""

from __future__ import annotations

import asyncio
import threading

import pytest

from audit.exports.cache import Built, ExportCache, ExportKey
from audit.exports.plan import ExportError


def key(position: int = 7, file: str = "plan.pdf") -> ExportKey:
    return ExportKey("ran-ogi-vii", file, "id", None, position, members=False)


class Builder:
    """Counts reads of the log and builds, and the thread each build ran in."""

    def __init__(self, fail: bool = False) -> None:
        self.reads = 0
        self.reading = asyncio.Event()
        self.threads: list[int] = []
        self.fail = fail

    async def read(self) -> str:
        self.reads += 1
        self.reading.set()
        await asyncio.sleep(0)  # the others ask while this one is under way
        return "the log"

    def build(self, log: str) -> Built:
        self.threads.append(threading.get_ident())
        if self.fail:
            raise ExportError("there is no plan 'ran-ogi-vii'")
        return Built(f"built from {log}".encode(), "application/pdf", "plan.pdf")


async def test_identical_requests_are_built_once_off_the_event_loop() -> None:
    cache, builder = ExportCache(), Builder()
    results = await asyncio.gather(*(cache.get(key(), builder.read, builder.build)
                                     for _ in range(5)))
    assert {r.data for r in results} == {b"built from the log"}
    assert builder.reads == 1 and len(builder.threads) == 1
    assert builder.threads[0] != threading.get_ident(), "the build ran on the event loop"
    assert (cache.builds, cache.hits) == (1, 4)
    await cache.get(key(), builder.read, builder.build)
    assert (cache.builds, cache.hits) == (1, 5)
    await cache.get(key(position=8), builder.read, builder.build)
    assert cache.builds == 2, "the log moved on: a new build"


async def test_a_failed_build_is_reported_to_every_caller_and_not_kept() -> None:
    cache, builder = ExportCache(), Builder(fail=True)
    results = await asyncio.gather(*(cache.get(key(), builder.read, builder.build)
                                     for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ExportError) for r in results)
    with pytest.raises(ExportError):
        await cache.get(key(), builder.read, builder.build)
    assert builder.reads == 2 and cache.builds == 0


async def test_old_builds_age_out_by_count_and_size() -> None:
    cache, builder = ExportCache(max_entries=2, max_bytes=40), Builder()
    for position in (1, 2, 3):
        await cache.get(key(position), builder.read, builder.build)
    await cache.get(key(1), builder.read, builder.build)
    assert cache.builds == 4, "the oldest was forgotten"
    await cache.get(key(3), builder.read, builder.build)
    assert cache.builds == 4
    small = ExportCache(max_bytes=10)
    await small.get(key(), builder.read, builder.build)
    await small.get(key(), builder.read, builder.build)
    assert small.builds == 2, "a build over the size limit is served, not kept"


async def test_builds_of_different_exports_wait_for_a_free_worker() -> None:
    cache, release = ExportCache(max_builds=1), threading.Event()
    first, second = Builder(), Builder()

    def held(log: str) -> Built:
        release.wait(10)
        return first.build(log)

    one = asyncio.create_task(cache.get(key(1), first.read, held))
    await first.reading.wait()
    two = asyncio.create_task(cache.get(key(2), second.read, second.build))
    for _ in range(20):
        await asyncio.sleep(0)
    assert second.reads == 0, "the second build started while the only worker was busy"
    release.set()
    await asyncio.gather(one, two)
    assert (first.reads, second.reads, cache.builds) == (1, 1, 2)
