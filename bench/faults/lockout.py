"""Scenario "bad-tokens": a flood of handshakes with bad tokens from the address the editors
share (everyone behind one proxy or office NAT), while people keep signing in with valid
tokens. Figures: the share of those sign-ins accepted and the editors' fan-out, idle and
during the flood."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from typing import Any

import websockets

from bench.faults.cluster import REPO, SHARED_REDIS, fresh_database
from bench.faults.editors import percentiles, type_steadily
from bench.faults.scenarios import Setup, finish, running, token_for
from server import protocol


async def sign_in(url: str) -> str:
    """'accepted' once the server syncs the document, else how it refused."""
    try:
        ws = await websockets.connect(url, open_timeout=10, ping_interval=None,
                                      close_timeout=2)
    except websockets.InvalidStatus as refused:
        return f"http {refused.response.status_code}"
    except (OSError, TimeoutError) as error:
        return f"error {type(error).__name__}"
    async with ws:
        try:
            await ws.send(protocol.sync_step1(b"\x00"))
            while True:
                frame = await asyncio.wait_for(ws.recv(), 10)
                if isinstance(frame, bytes) and isinstance(protocol.decode(frame),
                                                           protocol.SyncStep2):
                    return "accepted"
        except websockets.ConnectionClosed:
            return f"closed {ws.close_code}"
        except TimeoutError:
            return "timeout"


async def sign_ins(setup: Setup, per_second: float, stop: asyncio.Event) -> Counter[str]:
    """A new person signs in every ``1 / per_second`` seconds, on each instance in turn."""
    instances = setup.cluster.instances
    attempts: list[asyncio.Task[str]] = []
    while not stop.is_set():
        n = len(attempts)
        url = instances[n % len(instances)].ws_url(setup.documents[0],
                                                   token_for(f"visitor{n}"), saved=False)
        attempts.append(asyncio.create_task(sign_in(url)))
        await asyncio.sleep(1 / per_second)
    return Counter(await asyncio.gather(*attempts))


async def _flood(setup: Setup, seconds: float, connections: int) -> dict[str, Any]:
    """``bench.faults.flood`` in a process of its own, from the editors' address."""
    bad = "forged." + token_for("mallory")
    argv = [sys.executable, "-m", "bench.faults.flood", "--seconds", str(seconds),
            "--connections", str(connections)]
    for instance in setup.cluster.instances:
        argv += ["--url", instance.ws_url(setup.documents[0], bad, saved=False)]
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), seconds + 120)
    if process.returncode != 0:
        raise RuntimeError(f"the flood failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def _accepted(outcomes: Counter[str]) -> dict[str, Any]:
    total = sum(outcomes.values())
    return {"attempts": total,
            "accepted_pct": round(100 * outcomes["accepted"] / total, 1) if total else None,
            "outcomes": dict(sorted(outcomes.items()))}


async def bad_token_flood(*, seconds: float = 10.0, baseline: float = 5.0,
                          connections: int = 8, documents: int = 2, per_document: int = 4,
                          rate: float = 5.0, signins_per_s: float = 4.0) -> dict[str, Any]:
    async with fresh_database() as database_url, \
            running(database_url, SHARED_REDIS, documents, per_document) as setup:
        done = asyncio.Event()

        async def type_until_done() -> None:
            while not done.is_set():
                await type_steadily(setup.editors, rate, 0.5)

        typing = asyncio.create_task(type_until_done())
        try:
            idle_from = time.perf_counter()
            stop = asyncio.Event()
            idle_task = asyncio.create_task(sign_ins(setup, signins_per_s, stop))
            await asyncio.sleep(baseline)
            stop.set()
            idle = await idle_task
            flood_from = time.perf_counter()
            stop = asyncio.Event()
            flood_task = asyncio.create_task(sign_ins(setup, signins_per_s, stop))
            flood = await _flood(setup, seconds, connections)
            stop.set()
            during = await flood_task
            flood_until = time.perf_counter()
        finally:
            done.set()
            await typing
        figures = await finish(setup, database_url, converge_from=time.perf_counter())
        figures.update(
            scenario="bad-token flood from the editors' address",
            editors=len(setup.editors),
            sign_ins_idle=_accepted(idle),
            sign_ins_during_flood=_accepted(during),
            fanout_idle=percentiles(setup.ledger.latencies_between(idle_from, flood_from)),
            fanout_during_flood=percentiles(
                setup.ledger.latencies_between(flood_from, flood_until)),
            flood=flood,
            flood_attempts_per_s=round(flood["attempts"] / flood["seconds"]),
        )
        return figures

