"""The live-server load scenarios on the production topology: one vs two `kokreasi serve`
instances on one PostgreSQL and Redis, and how many concurrent editors one instance holds with
fan-out p99 under 100 ms.

    .venv/bin/python -m bench.load.run                          # both parts
    .venv/bin/python -m bench.load.run --part scale --scenarios S1,S2 --duration 15
    .venv/bin/python -m bench.load.run --part capacity --docs 20,40,80,120

Clients are real Yjs clients (y-websocket providers in Node: ``bench/server/loadgen.mjs``,
``npm ci`` there first), each signed in as a person of its own, spread evenly over the
instances; every case gets a fresh database. Prints one JSON line per case, then tables.
Scenarios (from the server benchmark): S1 one document x 30 clients, 5 writers at 10
edits/s; S2 N documents x 3 clients, one writer each at 5 edits/s (the capacity part grows N);
S3 10 documents x 2 clients, closed loop, 16 edits in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults.cluster import SHARED_REDIS, Cluster, fresh_database
from bench.faults.scenarios import token_for

REPO = Path(__file__).resolve().parents[2]
LOADGEN = REPO / "bench" / "server" / "loadgen.mjs"
P99_LIMIT_MS = 100.0


async def run_case(instances: int, scenario: str, duration: float, docs: int | None,
                   node: str, work: Path, tokens: Path) -> dict[str, Any]:
    async with fresh_database() as database_url:
        cluster = Cluster(work / f"{scenario}-{instances}-{docs}", database_url, SHARED_REDIS,
                          size=instances)
        try:
            await cluster.start()
            argv = [node, str(LOADGEN), "--scenario", scenario, "--protocol", "y-websocket",
                    "--token-file", str(tokens), "--duration", str(duration),
                    "--prefix", f"load-{scenario}-{instances}"]
            if docs is not None:
                argv += ["--docs", str(docs)]
            for instance in cluster.instances:
                argv += ["--url", f"ws://{instance.address}/ws"]
                assert instance.process is not None
                argv += ["--server-pid", str(instance.process.pid)]
            done = await asyncio.to_thread(
                subprocess.run, argv, capture_output=True, text=True, cwd=LOADGEN.parent,
                timeout=duration + 240)
            if done.returncode != 0:
                raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
            result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            cluster.stop()
    result.update(instances=instances, scenario=scenario, docs=docs)
    return result


def write_tokens(path: Path, count: int) -> None:
    path.write_text("\n".join(token_for(f"load{n}") for n in range(count)) + "\n")


def row(result: dict[str, Any]) -> str:
    latency = result.get("latency_ms") or {}

    def f(value: Any, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    return (f"| {result['scenario']} | {result['instances']} | "
            f"{result.get('documents')} | {result.get('clients')} | {f(latency.get('p50'))} | "
            f"{f(latency.get('p99'))} | {f(latency.get('max'), 0)} | "
            f"{f(result.get('delivered_pct'))} | {f(result.get('delivered_eps'), 0)} | "
            f"{f(result.get('accepted_eps'), 0)} | {f(result.get('server_cpu_pct'), 0)} | "
            f"{result.get('converged')}/{result.get('documents')} |")


HEADER = ("| scenario | instances | docs | clients | fan-out p50 ms | p99 ms | max ms | "
          "delivered % | delivered edits/s | accepted edits/s | server CPU % | converged |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


async def main_async(args: argparse.Namespace) -> int:
    node = args.node or shutil.which("node")
    if node is None or not (LOADGEN.parent / "node_modules").is_dir():
        print("needs node and `npm ci` in bench/server", file=sys.stderr)
        return 2
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kokreasi-load-") as scratch:
        work = Path(scratch)
        tokens = work / "tokens.txt"
        write_tokens(tokens, args.tokens)
        if args.part in ("scale", "all"):
            for scenario in args.scenarios.split(","):
                for instances in (1, 2):
                    result = await run_case(instances, scenario, args.duration, None, node,
                                            work, tokens)
                    print(json.dumps(result), flush=True)
                    results.append(result)
        if args.part in ("capacity", "all"):
            # Rounds interleave the sizes, so noise from a shared machine falls on all alike.
            for _ in range(args.runs):
                for docs in (int(d) for d in args.docs.split(",")):
                    result = await run_case(1, "S2", args.duration, docs, node, work, tokens)
                    print(json.dumps(result), flush=True)
                    results.append(result)
    print(HEADER)
    for result in results:
        print(row(result))
    by_docs: dict[int, list[dict[str, Any]]] = {}
    for result in results:
        if result["docs"] is not None:
            by_docs.setdefault(result["docs"], []).append(result)
    if by_docs:
        print("\n| S2 documents | clients | runs | median p50 ms | median p99 ms | worst p99 ms "
              "| delivered % (min) |\n|---|---|---|---|---|---|---|")
    held = None
    for docs, group in sorted(by_docs.items()):
        p99s = [(r.get("latency_ms") or {}).get("p99") or 1e9 for r in group]
        p50s = [(r.get("latency_ms") or {}).get("p50") or 1e9 for r in group]
        delivered = min(r.get("delivered_pct") or 0 for r in group)
        print(f"| {docs} | {docs * 3} | {len(group)} | {statistics.median(p50s):.1f} | "
              f"{statistics.median(p99s):.1f} | {max(p99s):.1f} | {delivered:.1f} |")
        if statistics.median(p99s) < P99_LIMIT_MS and delivered >= 99.9:
            held = docs
    if held is not None:
        print(f"\none instance held {held * 3} concurrent clients ({held} documents, {held} "
              f"writing 5 edits/s) at median fan-out p99 under {P99_LIMIT_MS:.0f} ms")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("scale", "capacity", "all"), default="all")
    parser.add_argument("--scenarios", default="S1,S2,S3")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--docs", default="25,50,75,100,150",
                        help="S2 document counts for the capacity part (3 clients each)")
    parser.add_argument("--runs", type=int, default=1, help="capacity rounds (medians)")
    parser.add_argument("--tokens", type=int, default=1200)
    parser.add_argument("--node")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
