"""The abuse cases of the production proof: while ``bench.faults.abusers`` attacks two
instances from 127.0.0.2, editors type on 127.0.0.1 and a prober signs in afresh four times
a second. Figures per window (before, during, after the attack): the editors' fan-out and
the share of valid sign-ins that got their first sync within 3 s."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

import httpx
import websockets

from bench.faults.cluster import REPO, SHARED_REDIS, fresh_database
from bench.faults.editors import percentiles
from bench.faults.scenarios import (
    Setup,
    _cpu_seconds,
    _idle_priority,
    _type_until,
    finish,
    running,
    server_fanout,
    token_for,
)
from server import protocol

CASES = ("costly", "presence", "connections", "loris")
SIGN_IN_TIMEOUT = 3.0


class Prober:
    """A valid sign-in every ``interval`` seconds, a new person each time, alternating
    between the instances: did the server let it in and sync it in time?"""

    def __init__(self, setup: Setup, interval: float = 0.25) -> None:
        self.setup, self.interval = setup, interval
        self.results: list[tuple[float, bool]] = []  # (started at, accepted)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        n = 0
        pending: set[asyncio.Task[None]] = set()
        try:
            while True:
                instance = self.setup.cluster.instances[n % len(self.setup.cluster.instances)]
                url = instance.ws_url(self.setup.documents[0], token_for(f"probe{n}"),
                                      saved=False)
                task = asyncio.create_task(self._one(url))
                pending.add(task)
                task.add_done_callback(pending.discard)
                n += 1
                await asyncio.sleep(self.interval)
        finally:
            for task in pending:
                task.cancel()

    async def _one(self, url: str) -> None:
        began = time.perf_counter()
        accepted = False
        try:
            async with asyncio.timeout(SIGN_IN_TIMEOUT):
                async with websockets.connect(url, max_size=None, open_timeout=None) as ws:
                    await ws.send(protocol.sync_step1(b"\x00"))
                    while not accepted:
                        message = protocol.decode(await ws.recv())
                        accepted = isinstance(message, protocol.SyncStep2)
        except (TimeoutError, OSError, websockets.WebSocketException):
            pass
        self.results.append((began, accepted))

    def share(self, start: float, end: float) -> dict[str, Any]:
        window = [ok for at, ok in self.results if start <= at <= end]
        return {"attempts": len(window),
                "accepted_pct": round(100 * sum(window) / len(window), 1) if window else None}


async def _scrape(setup: Setup) -> list[dict[str, float]]:
    """Every instance's metrics; {} for one too stalled to answer within 5 s."""
    scrapes = []
    for instance in setup.cluster.instances:
        try:
            scrapes.append(await instance.metrics())
        except httpx.HTTPError:
            scrapes.append({})
    return scrapes


async def _attack(setup: Setup, kind: str, seconds: float, niced: bool) -> dict[str, Any]:
    instances = setup.cluster.instances
    argv = [sys.executable, "-m", "bench.faults.abusers", "--kind", kind,
            "--seconds", str(seconds)]
    attack_doc = f"{setup.documents[0]}-attacked"
    for n in range(8):
        target = instances[n % len(instances)]
        person = "mallory" if kind == "connections" else f"mallory{n % 4}"
        argv += ["--url", target.ws_url(attack_doc, token_for(person), saved=False)]
    for instance in instances:
        argv += ["--address", instance.address]
    if kind == "connections":
        argv += ["--connections", "2", "--count", "150"]
    if kind == "loris":
        argv += ["--connections", "2", "--count", "200"]
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=_idle_priority if niced else None)
    out, err = await asyncio.wait_for(process.communicate(), seconds + 300)
    if process.returncode != 0:
        raise RuntimeError(f"the attack failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def abuse(kind: str, *, seconds: float = 10.0, baseline: float = 4.0,
                after: float = 3.0, documents: int = 2, per_document: int = 4,
                rate: float = 5.0, niced: bool = False) -> dict[str, Any]:
    async with fresh_database() as database_url, \
            running(database_url, SHARED_REDIS, documents, per_document) as setup:
        instances = setup.cluster.instances
        done = asyncio.Event()
        typing = asyncio.create_task(_type_until(setup.editors, rate, done))
        prober = Prober(setup)
        prober.start()
        try:
            start = await _scrape(setup)
            began = time.perf_counter()
            await asyncio.sleep(baseline)
            attack_from = time.perf_counter()
            before = await _scrape(setup)
            pids = [i.process.pid for i in instances if i.process is not None]
            cpu_before = [_cpu_seconds(pid) for pid in pids]
            attack = await _attack(setup, kind, seconds, niced)
            cpu_after = [_cpu_seconds(pid) for pid in pids]
            attack_until = time.perf_counter()
            during = await _scrape(setup)
            await asyncio.sleep(after)
        finally:
            done.set()
            await typing
            await prober.stop()
        last = time.perf_counter()
        end = await _scrape(setup)
        alive = [await i.healthy() for i in instances]
        figures = await finish(setup, database_url, converge_from=last)
        ledger = setup.ledger
        figures.update(
            scenario=f"abuse: {kind}" + (" (attack on idle CPU only)" if niced else ""),
            editors=len(setup.editors), instances_alive=all(alive),
            attack=attack, attack_s=round(attack_until - attack_from, 1),
            servers_cpu_s=round(sum(cpu_after) - sum(cpu_before), 1),
            fanout_before_attack=percentiles(ledger.latencies_between(began, attack_from)),
            fanout_during_attack=percentiles(
                ledger.latencies_between(attack_from, attack_until)),
            fanout_after_attack=percentiles(ledger.latencies_between(attack_until, last)),
            sign_ins_before_attack=prober.share(began, attack_from),
            sign_ins_during_attack=prober.share(attack_from, attack_until),
            sign_ins_after_attack=prober.share(attack_until, last),
            server_fanout_before_attack=_server_fanout(start, before),
            server_fanout_during_attack=_server_fanout(before, during),
            server_fanout_after_attack=_server_fanout(during, end),
            metrics_unanswered=sum(not scrape for scrape in (*start, *before, *during, *end)),
            person_refusals={k: sum(d.get(k, 0) - b.get(k, 0) for d, b in
                                    zip(during, before, strict=True))
                             for k in {k for d in during for k in d}
                             if k.startswith("kokreasi_person_refusals")},
        )
        return figures


def _server_fanout(before: list[dict[str, float]], after: list[dict[str, float]],
                   ) -> dict[str, Any] | None:
    """The servers' fan-out histogram between two scrapes; None if an instance missed one."""
    if not all(before) or not all(after):
        return None
    return server_fanout(before, after)


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| case | fan-out p50 / p99 before | during | after | sign-ins accepted "
            "before / during / after | servers' CPU during |", "|---|---|---|---|---|---|"]

    def f(p: dict[str, Any]) -> str:
        return f"{p['p50_ms']} / {p['p99_ms']} ms"

    for r in results:
        signs = " / ".join(f"{r[f'sign_ins_{w}_attack']['accepted_pct']} %"
                           for w in ("before", "during", "after"))
        rows.append(f"| {r['scenario']} | {f(r['fanout_before_attack'])} | "
                    f"{f(r['fanout_during_attack'])} | {f(r['fanout_after_attack'])} | "
                    f"{signs} | {r['servers_cpu_s']} s |")
    return "\n".join(rows)
