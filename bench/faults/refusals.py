"""What one refused handshake costs an instance: server CPU and log lines per attempt.

    .venv/bin/python -m bench.faults.refusals            # 4,000 attempts
    .venv/bin/python -m bench.faults.refusals --attempts 10000

One instance on a fresh database; a client at 127.0.0.2 spends its address's failure budget
with bad tokens, then keeps trying (4 at a time). Every attempt after the budget is refused
by the per-address limit after only the token's signature check, so the figures are the
refusal path alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import websockets

from bench.faults.cluster import SHARED_REDIS, Cluster, fresh_database

SOURCE = "127.0.0.2"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def attempt(url: str) -> str:
    """One handshake: how the server answered."""
    try:
        async with websockets.connect(url, local_addr=(SOURCE, 0), open_timeout=10,
                                      ping_interval=None, close_timeout=2) as ws:
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.recv()
            return f"closed {ws.close_code}"
    except websockets.InvalidStatus as refused:
        return f"http {refused.response.status_code}"


async def measure(attempts: int, concurrency: int = 4) -> dict[str, object]:
    async with fresh_database() as database_url:
        with tempfile.TemporaryDirectory(prefix="kokreasi-refusals-") as work:
            cluster = Cluster(Path(work), database_url, SHARED_REDIS, size=1)
            await cluster.start()
            try:
                instance = cluster.instances[0]
                assert instance.process is not None
                url = f"ws://{instance.address}/ws/doc-refusals?token=not-a-token"
                for _ in range(200):  # more than the failure budget: from here on, refused
                    await attempt(url)
                lines_before = len(instance.log_path.read_bytes().splitlines())
                outcomes: Counter[str] = Counter()

                async def client(count: int) -> None:
                    for _ in range(count):
                        outcomes[await attempt(url)] += 1

                cpu_before, started = cpu_seconds(instance.process.pid), time.perf_counter()
                await asyncio.gather(*(client(attempts // concurrency)
                                       for _ in range(concurrency)))
                cpu = cpu_seconds(instance.process.pid) - cpu_before
                wall = time.perf_counter() - started
                await asyncio.sleep(0.5)  # let the last log lines out
                lines = len(instance.log_path.read_bytes().splitlines()) - lines_before
            finally:
                cluster.stop()
    done = sum(outcomes.values())
    return {"attempts": done, "outcomes": dict(outcomes),
            "server_cpu_us_per_attempt": round(1e6 * cpu / done),
            "log_lines_per_attempt": round(lines / done, 3),
            "attempts_per_s": round(done / wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=4000)
    print(json.dumps(asyncio.run(measure(parser.parse_args().attempts))))


if __name__ == "__main__":
    main()
