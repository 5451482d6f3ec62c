"""Heavy reads off the event loop: a small pool of worker processes.

A comparison, a blame, a replay or an export is CPU work in Python and in pycrdt, and both hold
the GIL: in a thread it still takes turns with the event loop that carries everyone's
keystrokes, every switch interval (5 ms), for as long as it runs. A worker process does not,
and two of them use the second core. The event loop only reads the inputs (I/O) and sends them
to a worker as plain data (states, rows, actors: all picklable); the worker sends back JSON-ready
data. At most ``WORKERS`` run at once; the rest queue in the pool. Workers run at a lower
scheduling priority (``NICENESS``), so on a busy machine the server's own process, which
relays keystrokes, gets the CPU first; and they leave when the server is gone.

``KOKREASI_BENCH_HEAVY_READS`` = ``process`` (default), ``thread`` (a bounded thread pool) or
``inline`` (on the event loop, as before) lets ``bench/heavy_reads.py`` compare the three.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = max(1, min(2, (os.cpu_count() or 1) - 1))
"""Worker processes: one core is left to the server's own process (measured on 2 cores: with
two workers busy building exports editors' fan-out p99 rose 3.4 times, with one 1.4 times;
see bench/README.md)."""
NICENESS = 10  # worker processes' scheduling priority, below the server's (0)
PARENT_CHECK_S = 1.0
MODES = ("process", "thread", "inline")
MODE_VARIABLE = "KOKREASI_BENCH_HEAVY_READS"

_lock = threading.Lock()
_executor: Executor | None = None


def mode() -> str:
    chosen = os.environ.get(MODE_VARIABLE, "").strip() or "process"
    if chosen not in MODES:
        raise ValueError(f"{MODE_VARIABLE}={chosen!r}: choose one of {', '.join(MODES)}")
    return chosen


def _pool() -> Executor:
    global _executor
    with _lock:
        if _executor is None:
            if mode() == "thread":
                _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="heavy-read")
            else:
                # spawn, not fork: forking a process with an event loop, database connections
                # and threads copies their locks in whatever state they are.
                _executor = ProcessPoolExecutor(
                    WORKERS, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_started, initargs=(os.getpid(),),
                )
        return _executor


def _worker_started(parent: int) -> None:
    # The editors come first: on a busy machine the scheduler gives the server's event loop
    # the CPU before a comparison or an export.
    os.nice(NICENESS)
    # A worker outlives a server killed hard (SIGKILL, OOM): it would wait on its queue for
    # good. It leaves as soon as its parent is gone.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _forget(broken: Executor) -> None:
    global _executor
    with _lock:
        if _executor is broken:
            _executor = None
    broken.shutdown(wait=False, cancel_futures=True)


async def run(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a worker; ``function`` must be a module-level function and its
    arguments and result picklable. A worker that died (out of memory, killed) breaks its
    pool: the call fails and the next one starts a fresh pool."""
    if mode() == "inline":
        return function(*args)
    executor = _pool()
    try:
        return await asyncio.wrap_future(executor.submit(function, *args))
    except BrokenProcessPool:
        _forget(executor)
        raise


def call(function: Callable[[], T]) -> T:
    """``function()`` in a worker process, waiting for it: for code already off the event loop
    (a thread of the export cache) whose work should not take the GIL from the loop."""
    if mode() != "process":
        return function()
    executor = _pool()
    try:
        return executor.submit(function).result()
    except BrokenProcessPool:
        _forget(executor)
        raise


def warm_up() -> None:
    """Start the workers now (a spawned worker imports the app: about a second), so the first
    heavy read does not wait for it."""
    if mode() != "inline":
        executor = _pool()
        for _ in range(WORKERS):
            executor.submit(_nothing)


def _nothing() -> None:
    return None


def shutdown() -> None:
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
