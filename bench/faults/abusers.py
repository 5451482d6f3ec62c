"""Cheap denial of service by signed-in people and by bare sockets, each kind run as a process
of its own for ``--seconds``: updates that cost the server far more than their bytes, presence
floods, one person opening connection after connection, and slow-loris headers. Prints one
JSON line: what the server did (outcomes), what got through, and the attack's CPU."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pycrdt
import websockets

from bench.faults.garbage import _bind
from server import protocol
from server.awareness import Entry, encode_update


def costly_update(seed: int, groups: int = 60, per_group: int = 1000) -> bytes:
    """60,000 one-character inserts that cannot merge (each at the start of the text), from
    60 Yjs client ids: a walk of the update must read 10,000 of them before any limit can
    tell, and none repeats an earlier one."""
    parts = []
    for group in range(groups):
        doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=seed * 1000 + group + 1)
        text = doc.get("text", type=pycrdt.Text)
        with doc.transaction():
            for _ in range(per_group):
                text.insert(0, "x")
        parts.append(doc.get_update())
    return pycrdt.merge_updates(*parts)


async def _connect(url: str, source: str | None, outcomes: Counter[str]) -> Any | None:
    try:
        ws = await websockets.connect(url, max_size=None, ping_interval=None, open_timeout=10,
                                      close_timeout=2, **_bind(source))
    except websockets.InvalidStatus as refused:
        outcomes[f"http {refused.response.status_code} at handshake"] += 1
        await asyncio.sleep(0.2)
        return None
    except (OSError, TimeoutError):
        outcomes["connect failed"] += 1
        await asyncio.sleep(0.2)
        return None
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(protocol.sync_step1(b"\x00"))
    return ws


async def _close(ws: Any) -> None:
    """Close, or drop the connection of a server that does not read the close frame."""
    try:
        await asyncio.wait_for(ws.close(), 3)
    except (TimeoutError, OSError):
        ws.transport.abort()


async def _until_closed(ws: Any, seconds: float) -> str:
    """'closed <code>' when the server closes within ``seconds``, else 'alive'."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
    except websockets.ConnectionClosed:
        return f"closed {ws.close_code}"
    except TimeoutError:
        pass
    return "alive"


async def _keep_at_it(url: str, until: float, source: str | None, outcomes: Counter[str],
                     label: str, attempt: Callable[[Any], Awaitable[bool]]) -> None:
    """``attempt(ws)`` until the time is up, on a new connection whenever the server closed
    the last (or ``attempt`` returns False)."""
    while time.monotonic() < until:
        ws = await _connect(url, source, outcomes)
        if ws is None:
            continue
        try:
            # Bounded: a server that stops reading leaves a send waiting for good.
            while time.monotonic() < until and await asyncio.wait_for(
                    attempt(ws), max(0.01, until - time.monotonic()) + 1.0):
                pass
        except websockets.ConnectionClosed:
            outcomes[f"{label}: closed {ws.close_code}"] += 1
        except TimeoutError:
            outcomes[f"{label}: stuck, the server not reading"] += 1
        finally:
            await _close(ws)


async def send_costly(url: str, updates: list[bytes], until: float, source: str | None,
                      outcomes: Counter[str]) -> None:
    sent = 0

    async def attempt(ws: Any) -> bool:
        nonlocal sent
        await ws.send(protocol.sync_update(updates[sent % len(updates)]))
        sent += 1
        status = await _until_closed(ws, 1.0)  # the verdict: closed (refused), or taken
        outcomes[f"costly update: {status}"] += 1
        return status == "alive"

    await _keep_at_it(url, until, source, outcomes, "costly update", attempt)


async def flood_presence(url: str, until: float, source: str | None, size: int,
                         outcomes: Counter[str]) -> None:
    client, clock = int(time.monotonic_ns() % 2**30), 0
    filler = "x" * size

    async def attempt(ws: Any) -> bool:
        nonlocal clock
        clock += 1
        state = json.dumps({"cursor": clock, "pad": filler})
        await ws.send(protocol.awareness(encode_update([Entry(client, clock, state)])))
        outcomes[f"presence {size} B sent"] += 1
        await asyncio.sleep(0)
        return True

    await _keep_at_it(url, until, source, outcomes, f"presence {size} B", attempt)


async def listen(url: str, until: float, source: str | None, received: Counter[str]) -> None:
    """A passive member of the attacked room: how much presence the server relays to it."""
    outcomes: Counter[str] = Counter()
    ws = await _connect(url, source, outcomes)
    if ws is None:
        return
    try:
        while time.monotonic() < until:
            with contextlib.suppress(TimeoutError):
                frame = await asyncio.wait_for(ws.recv(), max(0.01, until - time.monotonic()))
                if isinstance(frame, bytes) and frame[:1] == b"\x01":
                    received["presence bytes relayed to a listener"] += len(frame)
    except websockets.ConnectionClosed:
        pass
    finally:
        await _close(ws)


async def open_many(url: str, count: int, until: float, source: str | None,
                    outcomes: Counter[str]) -> None:
    """One person opens ``count`` connections as fast as it can and holds them."""
    held = []
    try:
        for _ in range(count):
            if time.monotonic() >= until:
                break
            ws = await _connect(url, source, outcomes)
            if ws is None:
                continue
            status = await _until_closed(ws, 0.05)
            outcomes[f"connection: {status}"] += 1
            if status == "alive":
                held.append(ws)
            else:
                await _close(ws)
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        outcomes["connections still open at the end"] += sum(ws.close_code is None for ws in held)
    finally:
        await asyncio.gather(*(_close(ws) for ws in held), return_exceptions=True)


async def loris(address: str, until: float, source: str | None, outcomes: Counter[str]) -> None:
    """Send a request's headers a byte a second, for as long as the server lets us."""
    host, port = address.split(":")
    try:
        reader, writer = await asyncio.open_connection(
            host, int(port), local_addr=(source, 0) if source else None)
    except OSError:
        outcomes["loris: connect failed"] += 1
        return
    head = f"GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ".encode()
    data, sent = head + b"a" * 100_000, 0
    try:
        while time.monotonic() < until:
            writer.write(data[sent:sent + 1])
            await writer.drain()
            sent += 1
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    outcomes["loris: closed by the server"] += 1
                    return
        outcomes["loris: still open at the end"] += 1
    except ConnectionError:
        outcomes["loris: closed by the server"] += 1
    finally:
        writer.close()


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    urls, source = args.url, args.source or None
    if args.kind == "costly":
        updates = [costly_update(seed) for seed in range(1, args.pool + 1)]
    until = time.monotonic() + args.seconds
    jobs = []
    for n in range(args.connections):
        url = urls[n % len(urls)]
        if args.kind == "costly":
            jobs.append(send_costly(url, updates[n::args.connections] or updates, until, source,
                                    outcomes))
        elif args.kind == "presence":
            if n % 2:
                jobs.append(listen(url, until, source, outcomes))
            else:
                size = 100_000 if n % 4 == 0 else 200
                jobs.append(flood_presence(url, until, source, size, outcomes))
        elif args.kind == "connections":
            jobs.append(open_many(url, args.count, until, source, outcomes))
        elif args.kind == "loris":
            for _ in range(args.count):
                jobs.append(loris(args.address[n % len(args.address)], until, source,
                                  outcomes))
    await asyncio.gather(*jobs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"outcomes": dict(sorted(outcomes.items())),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", required=True,
                        choices=("costly", "presence", "connections", "loris"))
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--address", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--count", type=int, default=100,
                        help="connections per job (connections, loris)")
    parser.add_argument("--pool", type=int, default=16, help="costly updates made up front")
    parser.add_argument("--source", default="127.0.0.2")
    print(json.dumps(asyncio.run(_main(parser.parse_args()))))
