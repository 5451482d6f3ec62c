"""Real Yjs editors (pycrdt over websockets) that behave like the web app's provider: they
sync on connect, answer the server's sync step 1 with what it lacks, send each edit as an
update, reconnect with backoff (to the next instance when one refuses), and keep typing while
disconnected.

Each edit inserts a marker ``[tag.n]`` at the end of the text, so any copy of a document (a
client's, or one rebuilt from the log) can be counted: which edits are there, and how often.
A shared ``Ledger`` notes when each edit was typed and when each other editor first saw it,
on one clock, which gives fan-out latencies and tells whether an edit was shown to others
before a given moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pycrdt
import websockets

import ycodec
from server import protocol

MARKER = re.compile(r"\[(\w+)\.(\d+)\]")
TEXT = "text"


def markers_in(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in MARKER.finditer(text))


@dataclass
class Ledger:
    """Every edit typed (marker -> time, author) and its first sighting by each other editor."""

    typed: dict[str, float] = field(default_factory=dict)
    author: dict[str, str] = field(default_factory=dict)
    first_seen_by_other: dict[str, float] = field(default_factory=dict)
    latencies: list[tuple[float, float, str]] = field(default_factory=list)  # at, s, marker
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def typed_now(self, marker: str, tag: str) -> None:
        self.typed[marker] = time.perf_counter()
        self.author[marker] = tag

    def saw(self, observer: str, marker: str) -> None:
        if (observer, marker) in self._seen or marker not in self.typed:
            return
        self._seen.add((observer, marker))
        now = time.perf_counter()
        if self.author[marker] != observer:
            self.first_seen_by_other.setdefault(marker, now)
            self.latencies.append((now, now - self.typed[marker], marker))

    def latencies_between(self, start: float, end: float, authors: str = "") -> list[float]:
        """Fan-out latencies of edits typed in [start, end] (by tags starting ``authors``)."""
        return [seconds for _, seconds, marker in self.latencies
                if start <= self.typed[marker] <= end and marker[1:].startswith(authors)]


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p99/max in milliseconds, and the share within 100 ms."""
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None, "within_100ms_pct": None,
                "n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    within = sum(1 for seconds in ordered if seconds <= 0.1)
    return {"p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": round(1000 * ordered[-1], 1),
            "within_100ms_pct": round(100 * within / len(ordered), 1), "n": len(ordered)}


class Editor:
    """One person editing one document through one of several instance URLs."""

    def __init__(self, ledger: Ledger, document_id: str, tag: str, person_id: str,
                 urls: Sequence[str], *, first_url: int = 0) -> None:
        self.ledger = ledger
        self.document_id = document_id
        self.tag = tag
        self.person_id = person_id
        self.urls = list(urls)
        self.url_index = first_url % len(self.urls)
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc()
        self.text = self.doc.get(TEXT, type=pycrdt.Text)
        self.typed = 0
        self.synced = asyncio.Event()
        self.saved_clock = 0  # the server's durable clock for this editor's Yjs client id
        self.saved_log: list[tuple[float, int]] = []
        self.closes: list[tuple[float, int | None, str]] = []
        self.connect_errors: list[str] = []
        self.sessions = 0
        self.denied: list[str] = []
        self.connected_url: str | None = None
        self._ws: Any = None
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._applying = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._subscriptions = [self.doc.observe(self._on_change),
                               self.text.observe(self._on_text)]

    # Local changes and what arrives ----------------------------------------------------

    def _on_change(self, event: pycrdt.TransactionEvent) -> None:
        if not self._applying and self._ws is not None:
            self._outbox.put_nowait(protocol.sync_update(event.update))

    def _on_text(self, event: Any) -> None:
        if not self._applying:
            return
        for delta in event.delta:
            inserted = delta.get("insert")
            if isinstance(inserted, str):
                for match in MARKER.finditer(inserted):
                    self.ledger.saw(self.tag, match.group(0))

    def type_one(self, filler: str = "") -> str:
        """Type the next marker (followed by ``filler``, a paste) at the end of the text."""
        marker = f"[{self.tag}.{self.typed}]"
        self.typed += 1
        self.ledger.typed_now(marker, self.tag)
        self.text.insert(len(self.text), marker + filler)
        return marker

    @property
    def client_id(self) -> int:
        return int(self.doc.client_id)

    @property
    def local_clock(self) -> int:
        return ycodec.decode_state_vector(self.doc.get_state()).get(self.client_id, 0)

    @property
    def all_saved(self) -> bool:
        return self.saved_clock >= self.local_clock

    def markers(self) -> Counter[str]:
        return markers_in(str(self.text))

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.synced.is_set()

    # Connection ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"editor {self.tag}")

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            url = self.urls[self.url_index]
            try:
                ws = await websockets.connect(url, max_size=None, open_timeout=3,
                                              ping_interval=None, close_timeout=2)
            except Exception as error:  # refused, reset, timed out, cut mid-handshake, ...
                # Like a load balancer taking a dead instance out: try the next one.
                self.connect_errors.append(type(error).__name__)
                self.url_index = (self.url_index + 1) % len(self.urls)
                failures += 1
                await asyncio.sleep(min(1.0, 0.05 * 2 ** min(failures, 5)) * random.random())
                continue
            began = time.monotonic()
            try:
                await self._session(ws, url)
            except Exception as error:  # an editor keeps trying, whatever broke its session
                self.closes.append((time.perf_counter(), None, repr(error)))
            if time.monotonic() - began > 2:
                failures = 0
            failures += 1
            await asyncio.sleep(min(1.0, 0.05 * 2 ** min(failures, 5)) * random.random())

    async def _session(self, ws: Any, url: str) -> None:
        self.sessions += 1
        self.synced.clear()
        while not self._outbox.empty():  # the resync below carries whatever these held
            self._outbox.get_nowait()
        self._ws = ws
        self.connected_url = url
        writer = asyncio.create_task(self._write(ws))
        try:
            await ws.send(protocol.sync_step1(self.doc.get_state()))
            async for frame in ws:
                self._handle(ws, protocol.decode(frame))
        except websockets.ConnectionClosed:
            pass
        finally:
            self._ws = None
            self.synced.clear()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            self.closes.append((time.perf_counter(), ws.close_code, ws.close_reason or ""))

    def _handle(self, ws: Any, message: protocol.Message) -> None:
        if isinstance(message, protocol.SyncStep1):
            # The server asks for what it lacks: after a crash or an outage this re-sends
            # every edit it never logged.
            missing = self.doc.get_update(message.state_vector)
            self._outbox.put_nowait(protocol.sync_step2(missing))
        elif isinstance(message, protocol.SyncStep2 | protocol.SyncUpdate):
            self._applying = True
            try:
                self.doc.apply_update(message.update)
            finally:
                self._applying = False
            if isinstance(message, protocol.SyncStep2):
                self.synced.set()
        elif isinstance(message, protocol.Saved):
            state = ycodec.decode_state_vector(message.state_vector)
            clock = state.get(self.client_id, 0)
            if clock > self.saved_clock:
                self.saved_clock = clock
                self.saved_log.append((time.perf_counter(), clock))
        elif isinstance(message, protocol.PermissionDenied):
            self.denied.append(message.reason)

    async def _write(self, ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await ws.send(await self._outbox.get())


async def type_steadily(editors: Sequence[Editor], rate: float, seconds: float,
                        filler: str = "") -> int:
    """Each editor types ``rate`` edits a second for ``seconds``, connected or not (people
    keep typing through an outage); returns the number of edits typed."""
    count = 0
    interval = 1.0 / rate
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    # Stagger the editors over one interval, as people do not type in lockstep.
    offsets = {id(e): random.uniform(0, interval) for e in editors}
    start = loop.time()
    next_at = {id(e): start + offsets[id(e)] for e in editors}
    while True:
        now = loop.time()
        if now >= end:
            return count
        for editor in editors:
            if next_at[id(editor)] <= now:
                editor.type_one(filler)
                count += 1
                next_at[id(editor)] += interval
        soonest = min(next_at.values())
        await asyncio.sleep(max(0.0, min(soonest, end) - loop.time()))


async def wait_until(check: Any, seconds: float, step: float = 0.02) -> float | None:
    """Poll ``check()`` until it holds; returns the seconds it took, or None on timeout."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        if check():
            return loop.time() - start
        if loop.time() - start > seconds:
            return None
        await asyncio.sleep(step)
