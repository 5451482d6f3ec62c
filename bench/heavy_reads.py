"""Editors typing while heavy reads run: does anyone's keystroke wait for a comparison?

Per case: a fresh data directory seeded with a plan whose commitments hold 50 KB sections
(``heavy_seed.py``), one ``kokreasi serve`` of the code under test, then two phases of the live
benchmark's S1 load (``server/loadgen.mjs``: 30 real Yjs clients on one document, 5 writers at
10 edits/s), first alone ("idle"), then while reader threads request stage comparisons,
comparisons with random positions, the document at random positions, blame, history and PDF
exports of the 50 KB plan in a loop ("heavy"). A prober asks ``/healthz`` every 100 ms
throughout. Reported per case: the editors' fan-out p99 in each phase and their ratio,
``/healthz`` latency, and how many heavy reads completed.

    python bench/heavy_reads.py                         # this tree vs main, 3 runs each
    python bench/heavy_reads.py --before main --modes process,thread --runs 3
    python bench/heavy_reads.py --before '' --runs 1    # this tree only

``--before REF`` runs a detached git worktree of REF (removed afterwards) with this tree's
virtual environment; ``--modes`` are this tree's ``KOKREASI_BENCH_HEAVY_READS`` values. Cases
are interleaved (run 1 of every variant, then run 2, ...). Results go to
bench/results/heavy-<time>/ (one JSON line per case).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOADGEN = HERE / "server" / "loadgen.mjs"
PYTHON = REPO / ".venv" / "bin" / "python"
EDITORS = 30
READS = ("compare-stages", "compare-position", "replay", "attribution", "history", "export-pdf")
START_TIMEOUT = 60.0


@dataclass
class Variant:
    name: str
    tree: Path
    mode: str | None  # KOKREASI_BENCH_HEAVY_READS, None: the tree's own behaviour


def run_python(tree: Path, args: list[str], env: dict[str, str], **kw: Any) -> Any:
    return subprocess.run([str(PYTHON), *args], cwd=tree,
                          env={**env, "PYTHONPATH": str(tree)}, **kw)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOKREASI_")}
    env.update(extra)
    return env


def issue_tokens(secret: str, count: int, role: str, scratch: Path) -> list[str]:
    env = clean_env({"KOKREASI_SECRET_KEY": secret})
    out = []
    for n in range(count):
        done = run_python(REPO, ["-m", "kokreasi.cli", "token", "--name", f"Heavy {role} {n}",
                                 "--org", f"Heavy Org {n % 5}", "--role", role,
                                 "--data-dir", str(scratch)],
                          env, check=True, capture_output=True, text=True, timeout=60)
        out.append(done.stdout.strip().splitlines()[-1])
    return out


class Server:
    def __init__(self, variant: Variant, data: Path, secret: str, log: Path) -> None:
        self.port = _free_port()
        extra = {"KOKREASI_SECRET_KEY": secret, "KOKREASI_ACCESS_POLICY": "open"}
        if variant.mode is not None:
            extra["KOKREASI_BENCH_HEAVY_READS"] = variant.mode
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [str(PYTHON), "-c", "import sys; from kokreasi.cli import main; sys.exit(main())",
             "serve", "--port", str(self.port), "--data-dir", str(data)],
            cwd=variant.tree, env={**clean_env(extra), "PYTHONPATH": str(variant.tree)},
            stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after {START_TIMEOUT:.0f} s; see {log}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
        self.log.close()


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, token: str | None = None, timeout: float = 120.0) -> tuple[int, float]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


class Prober(threading.Thread):
    """``/healthz`` every 100 ms; latencies noted per phase."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.phase = "start"
        self.samples: dict[str, list[float]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            phase = self.phase
            try:
                _, ms = get(f"{self.base}/healthz", timeout=30)
            except OSError:
                ms = 30_000.0
            self.samples.setdefault(phase, []).append(ms)
            self.done.wait(0.1)


class Reader(threading.Thread):
    """Heavy reads in a loop until told to stop."""

    def __init__(self, base: str, token: str, seeded: dict[str, Any], seed: int,
                 kinds: set[str]) -> None:
        super().__init__(daemon=True)
        self.kinds = kinds
        self.base, self.token, self.seeded = base, token, seeded
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.done: dict[str, list[float]] = {}
        self.failed: dict[str, int] = {}

    def requests(self) -> list[tuple[str, str]]:
        document = self.rng.choice(self.seeded["documents"])
        doc = f"{self.base}/api/documents/{document}"
        position = self.rng.randint(2, self.seeded["head"])
        plan = self.seeded["plan"]
        return [
            ("compare-stages", f"{doc}/compare?from=draft1&to=draft2"),
            ("compare-position", f"{doc}/compare?from={position}&to=now"),
            ("replay", f"{doc}/at/{position}"),
            ("attribution", f"{doc}/attribution"),
            ("history", f"{doc}/history?limit=50"),
            ("export-pdf", f"{self.base}/api/exports/{plan}/plan.pdf?lang=en"),
        ]

    def run(self) -> None:
        while not self.stop.is_set():
            for name, url in self.requests():
                if name not in self.kinds:
                    continue
                if self.stop.is_set():
                    return
                status, ms = get(url, self.token)
                if status == 200:
                    self.done.setdefault(name, []).append(ms)
                else:
                    self.failed[name] = self.failed.get(name, 0) + 1


def loadgen(base: str, token_file: Path, duration: int, prefix: str, log: Path) -> dict[str, Any]:
    ws = base.replace("http://", "ws://") + "/ws"
    argv = ["node", str(LOADGEN), "--scenario", "S1", "--url", ws, "--token-file",
            str(token_file), "--duration", str(duration), "--prefix", prefix, "--settle", "5"]
    with log.open("ab") as err:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, cwd=LOADGEN.parent,
                              timeout=duration + 120)
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"load generator failed ({done.returncode}); see {log}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_case(variant: Variant, run: int, args: argparse.Namespace, out: Path,
             secret: str, tokens: Path, reader_token: str) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="kokreasi-heavy-"))
    case = f"{variant.name}-{run}"
    slug = "heavy-" + "".join(c for c in case if c.isalnum() or c == "-")  # document names
    server = None
    try:
        data = work / "data"
        data.mkdir()
        seeded_out = run_python(REPO, [str(HERE / "heavy_seed.py"), "--data-dir", str(data),
                                       "--kilobytes", str(args.kilobytes)],
                                clean_env({}), check=True, capture_output=True, text=True,
                                timeout=300)
        seeded = json.loads(seeded_out.stdout.strip().splitlines()[-1])
        server = Server(variant, data, secret, out / f"{case}.server.log")
        prober = Prober(server.base)
        prober.start()
        time.sleep(2)  # let the projections catch up with the seeded log
        prober.phase = "idle"
        idle = loadgen(server.base, tokens, args.duration, f"{slug}-idle",
                       out / f"{case}.loadgen.log")
        prober.phase = "heavy"
        kinds = set(args.reads.split(","))
        readers = [Reader(server.base, reader_token, seeded, run * 10 + n, kinds)
                   for n in range(args.readers)]
        for reader in readers:
            reader.start()
        time.sleep(1)
        spy = None
        if args.profile:
            # What the server's own process does meanwhile (its event loop and threads; the
            # worker processes are its children and are not sampled).
            spy = subprocess.Popen(
                [str(PYTHON.parent / "py-spy"), "record", "-p", str(server.process.pid),
                 "-d", str(args.duration), "-r", "50", "-f", "raw", "-o",
                 str(out / f"{slug}.pyspy.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            heavy = loadgen(server.base, tokens, args.duration, f"{slug}-heavy",
                            out / f"{case}.loadgen.log")
        except RuntimeError as error:  # e.g. the editors could not even connect and sync
            last = (out / f"{case}.loadgen.log").read_text().strip().splitlines()[-1:]
            heavy = {"latency_ms": {"p50": None, "p99": None}, "delivered_pct": 0.0,
                     "error": f"{error}: {' '.join(last)}"}
        prober.phase = "after"
        if spy is not None:
            spy.wait(timeout=args.duration + 60)
        for reader in readers:
            reader.stop.set()
        for reader in readers:
            reader.join(timeout=180)
        prober.done.set()
        prober.join(timeout=40)
        reads: dict[str, list[float]] = {}
        failed: dict[str, int] = {}
        for reader in readers:
            for name, values in reader.done.items():
                reads.setdefault(name, []).extend(values)
            for name, n in reader.failed.items():
                failed[name] = failed.get(name, 0) + n
        # None: nothing was delivered before the load generator gave up waiting.
        idle_p99 = idle["latency_ms"]["p99"]
        heavy_p99 = heavy["latency_ms"]["p99"]
        return {
            "variant": variant.name, "run": run,
            "idle_fanout_p50": idle["latency_ms"]["p50"], "idle_fanout_p99": idle_p99,
            "heavy_fanout_p50": heavy["latency_ms"]["p50"], "heavy_fanout_p99": heavy_p99,
            "fanout_p99_ratio": heavy_p99 / idle_p99 if idle_p99 and heavy_p99 else None,
            "idle_delivered_pct": idle["delivered_pct"],
            "heavy_delivered_pct": heavy["delivered_pct"],
            "healthz_idle_p50": percentile(prober.samples.get("idle", []), 0.5),
            "healthz_idle_max": percentile(prober.samples.get("idle", []), 1.0),
            "healthz_heavy_p50": percentile(prober.samples.get("heavy", []), 0.5),
            "healthz_heavy_p99": percentile(prober.samples.get("heavy", []), 0.99),
            "healthz_heavy_max": percentile(prober.samples.get("heavy", []), 1.0),
            "heavy_reads": {name: {"n": len(v), "median_ms": statistics.median(v)}
                            for name, v in sorted(reads.items())},
            "heavy_failed": failed,
            "heavy_error": heavy.get("error"),
        }
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


COLUMNS = ("idle_fanout_p99", "heavy_fanout_p99", "fanout_p99_ratio", "heavy_delivered_pct",
           "healthz_idle_p50", "healthz_heavy_p50", "healthz_heavy_p99", "healthz_heavy_max")


def summarize(rows: list[dict[str, Any]]) -> str:
    """Medians per variant; a phase in which nothing was delivered counts as infinitely slow."""
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    lines = ["| variant | runs | " + " | ".join(COLUMNS) + " | heavy reads done |",
             "|---|---|" + "---|" * len(COLUMNS) + "---|"]
    for name in variants:
        mine = [r for r in rows if r["variant"] == name]
        cells = []
        for column in COLUMNS:
            values = [math.inf if r[column] is None else r[column] for r in mine]
            middle = statistics.median(values)
            cells.append("none delivered" if math.isinf(middle) else f"{middle:.2f}")
        done = statistics.median(sum(v["n"] for v in r["heavy_reads"].values()) for r in mine)
        lines.append(f"| {name} | {len(mine)} | " + " | ".join(cells) + f" | {done:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=20, help="seconds of each phase")
    parser.add_argument("--readers", type=int, default=2, help="heavy-read loops at once")
    parser.add_argument("--kilobytes", type=int, default=50, help="size of each section")
    parser.add_argument("--reads", default=",".join(READS),
                        help="which heavy reads, comma-separated: " + ", ".join(READS))
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the server during the heavy phase (pip install py-spy)")
    parser.add_argument("--before", default="main", help="git ref to compare with ('' none)")
    parser.add_argument("--modes", default="process", help="this tree's modes, comma-separated")
    args = parser.parse_args()
    out = REPO / "bench" / "results" / f"heavy-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True)
    variants: list[Variant] = []
    before_tree: Path | None = None
    try:
        if args.before:
            before_tree = Path(tempfile.mkdtemp(prefix="kokreasi-heavy-before-"))
            subprocess.run(["git", "worktree", "add", "--detach", str(before_tree), args.before],
                           cwd=REPO, check=True, capture_output=True)
            variants.append(Variant(f"before ({args.before})", before_tree, None))
        for chosen in (m for m in args.modes.split(",") if m):
            variants.append(Variant(f"after ({chosen})", REPO, chosen))
        secret = secrets.token_urlsafe(32)
        scratch = Path(tempfile.mkdtemp(prefix="kokreasi-heavy-tokens-"))
        try:
            editors = issue_tokens(secret, EDITORS, "cso", scratch)
            reader = issue_tokens(secret, 1, "secretariat", scratch)[0]
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        tokens = out / "tokens.txt"
        tokens.write_text("\n".join(editors) + "\n")
        rows = []
        for run in range(1, args.runs + 1):
            for variant in variants:
                print(f"run {run}: {variant.name} ...", file=sys.stderr, flush=True)
                row = run_case(variant, run, args, out, secret, tokens, reader)
                rows.append(row)
                with (out / "results.jsonl").open("a") as file:
                    file.write(json.dumps(row) + "\n")
                print(json.dumps(row), file=sys.stderr, flush=True)
        print(summarize(rows))
        print(f"\nresults: {out}", file=sys.stderr)
    finally:
        if before_tree is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=REPO,
                           capture_output=True)


if __name__ == "__main__":
    main()
