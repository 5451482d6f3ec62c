"""The fault scenarios of the production proof, each returning its figures.

Every scenario runs two ``kokreasi serve`` instances on one PostgreSQL and one Redis with real
Yjs editors on both, injects one fault, and counts: edits sent, edits in the final documents
and in the log, events, duplicates, misattributions, and the time to converge. The scripts in
this folder print the figures of the full versions; ``tests/production`` runs shorter ones and
asserts that nothing is lost, duplicated or misattributed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.faults.cluster import (
    SECRET,
    SHARED_REDIS,
    Cluster,
    PrivatePostgres,
    PrivateRedis,
    fresh_database,
    with_database,
)
from bench.faults.editors import Editor, Ledger, percentiles, type_steadily, wait_until
from bench.faults.logcheck import count_log, tally
from events.record import Stakeholder
from identity.tokens import issue_token

CONVERGE_TIMEOUT = 90.0


def token_for(tag: str, role: str = "cso") -> str:
    return issue_token(SECRET.encode(), name=f"Editor {tag}", org=f"Org {tag[:1]}",
                       role=Stakeholder(role), person_id=tag, ttl_seconds=6 * 3600)


@dataclass
class Setup:
    cluster: Cluster
    ledger: Ledger
    editors: list[Editor]
    documents: list[str]

    def on(self, instance: int) -> list[Editor]:
        """The editors that first connected to ``instance``."""
        address = self.cluster.instances[instance].address
        return [e for e in self.editors if address in e.urls[0]]


def make_editors(cluster: Cluster, ledger: Ledger, documents: Sequence[str], per_document: int,
                 prefix: str = "e") -> list[Editor]:
    """``per_document`` editors per document, alternating between the instances; each one a
    person of its own, each listing every instance (its own first) to fail over to."""
    editors = []
    size = len(cluster.instances)
    for d, document_id in enumerate(documents):
        for n in range(per_document):
            tag = f"{prefix}{d}x{n}"
            token = token_for(tag)
            home = n % size
            urls = [cluster.instances[(home + k) % size].ws_url(document_id, token)
                    for k in range(size)]
            editors.append(Editor(ledger, document_id, tag, tag, urls))
    return editors


async def connect_all(editors: Sequence[Editor], seconds: float = 30.0) -> None:
    for editor in editors:
        editor.start()
    took = await wait_until(lambda: all(e.connected for e in editors), seconds)
    if took is None:
        raise RuntimeError("editors could not connect")


def converged(editors: Sequence[Editor]) -> bool:
    """Every editor holds every edit typed in its document, and the copies are identical."""
    by_document: dict[str, list[Editor]] = {}
    for editor in editors:
        by_document.setdefault(editor.document_id, []).append(editor)
    for group in by_document.values():
        typed = sum(e.typed for e in group)
        texts = {str(e.text) for e in group}
        if len(texts) != 1:
            return False
        if sum(e.markers().total() for e in group[:1]) != typed:
            return False
    return True


async def stop_all(editors: Sequence[Editor]) -> None:
    await asyncio.gather(*(e.stop() for e in editors))


@contextlib.asynccontextmanager
async def running(database_url: str, redis_url: str, documents: int, per_document: int,
                  instances: int = 2) -> AsyncIterator[Setup]:
    """A cluster on ``database_url``/``redis_url`` with connected editors; stops it all."""
    with tempfile.TemporaryDirectory(prefix="kokreasi-faults-") as work:
        cluster = Cluster(Path(work), database_url, redis_url, size=instances)
        ledger = Ledger()
        stamp = time.strftime("%H%M%S")
        names = [f"doc-{stamp}-{n}" for n in range(documents)]
        editors: list[Editor] = []
        try:
            await cluster.start()
            editors = make_editors(cluster, ledger, names, per_document)
            await connect_all(editors)
            setup = Setup(cluster, ledger, editors, names)
            yield setup
            editors = setup.editors  # the scenario may have added some
        except BaseException:
            print(cluster.logs())
            raise
        finally:
            await stop_all(editors)
            cluster.stop()


async def finish(setup: Setup, database_url: str, *, converge_from: float) -> dict[str, Any]:
    """Wait for every document to converge, then count the log against the editors."""
    took = await wait_until(lambda: converged(setup.editors), CONVERGE_TIMEOUT, step=0.05)
    converge_s = None if took is None else round(time.perf_counter() - converge_from, 2)
    await stop_all(setup.editors)
    log = await count_log(database_url, setup.documents, setup.editors)
    figures = tally(log, setup.editors)
    figures["converged"] = took is not None
    figures["time_to_converge_s"] = converge_s
    return figures


# 1. kill -9 one instance mid-storm ---------------------------------------------------------

async def kill_instance(*, seconds: float = 20.0, documents: int = 4, per_document: int = 4,
                        rate: float = 5.0) -> dict[str, Any]:
    async with fresh_database() as database_url, \
            running(database_url, SHARED_REDIS, documents, per_document) as setup:
        victim = setup.cluster.instances[0]
        moved = setup.on(0)
        survivor = setup.cluster.instances[1].address
        killed_at = 0.0

        async def kill_midway() -> float | None:
            nonlocal killed_at
            await asyncio.sleep(seconds / 2)
            killed_at = time.perf_counter()
            victim.kill()
            # Failover: every editor of the killed instance synced on the other one.
            return await wait_until(lambda: all(
                e.connected and survivor in (e.connected_url or "") for e in moved), 30)

        typed, failover_s = await asyncio.gather(
            type_steadily(setup.editors, rate, seconds), kill_midway())
        last_edit = time.perf_counter()
        figures = await finish(setup, database_url, converge_from=last_edit)
        figures.update(
            scenario="1. kill -9 one instance mid-storm",
            editors=len(setup.editors), moved_editors=len(moved),
            failover_s=None if failover_s is None else round(failover_s, 2),
            moved_to_survivor=all(survivor in (e.connected_url or "") for e in moved),
            survivor_alive=setup.cluster.instances[1].alive,
            edits_typed_after_kill=sum(1 for t in setup.ledger.typed.values() if t > killed_at),
            fanout_before_kill=percentiles(setup.ledger.latencies_between(0, killed_at)),
            fanout_after_kill=percentiles(
                setup.ledger.latencies_between(killed_at + 2.0, last_edit)),
        )
        assert typed == figures["edits_sent"]
        return figures


def _same_instance_share(setup: Setup, start: float, end: float) -> float | None:
    """Of the edits typed in [start, end], the share some editor of the document on the
    author's own instance holds now: whether each instance kept serving its own clients."""
    home = {e.tag: e.urls[0].split("/ws/")[0] for e in setup.editors}
    doc_of = {e.tag: e.document_id for e in setup.editors}
    peers = {tag: [e for e in setup.editors if e.tag != tag and home[e.tag] == home[tag]
                   and e.document_id == doc_of[tag]] for tag in home}
    wanted = [m for m, t in setup.ledger.typed.items() if start <= t <= end]
    if not wanted:
        return None
    seen = sum(1 for m in wanted
               if any(m in str(p.text) for p in peers[setup.ledger.author[m]]))
    return round(100.0 * seen / len(wanted), 1)


# 2. Redis stopped and restarted -------------------------------------------------------------

async def redis_outage(*, outage: float = 10.0, documents: int = 4, per_document: int = 4,
                       rate: float = 5.0, before: float = 3.0, after: float = 3.0,
                       ) -> dict[str, Any]:
    redis = PrivateRedis()
    await redis.start()
    try:
        async with fresh_database() as database_url, \
                running(database_url, redis.url, documents, per_document) as setup:
            await type_steadily(setup.editors, rate, before)
            sessions = [e.sessions for e in setup.editors]
            redis.stop()
            stopped = time.perf_counter()
            await type_steadily(setup.editors, rate, outage)
            typed_until = time.perf_counter()
            # Still without Redis: did each instance serve its own editors? (Give the last
            # edits a moment to arrive.)
            await wait_until(lambda: _same_instance_share(setup, stopped, typed_until) == 100.0,
                             3.0, 0.1)
            local_share = _same_instance_share(setup, stopped, typed_until)
            diverged = sum(1 for d in setup.documents if not converged(
                [e for e in setup.editors if e.document_id == d]))
            await redis.start()
            restarted = time.perf_counter()
            took = await wait_until(lambda: converged(setup.editors), CONVERGE_TIMEOUT, 0.05)
            after_restart = await _edit_and_converge(setup, rate, after)
            figures = await finish(setup, database_url, converge_from=time.perf_counter())
            figures.update(
                scenario=f"2. Redis down {outage:g} s",
                editors=len(setup.editors),
                reconnects_during_outage=sum(
                    e.sessions - s for e, s in zip(setup.editors, sessions, strict=True)),
                outage_edits_seen_on_own_instance_pct=local_share,
                documents_diverged_when_redis_returned=diverged,
                time_to_converge_s=None if took is None else round(took, 2),
                live_fanout_after_return=after_restart,
                fanout_before=percentiles(setup.ledger.latencies_between(0, stopped)),
                fanout_during_outage=percentiles(
                    setup.ledger.latencies_between(stopped, restarted)),
            )
            return figures
    finally:
        redis.stop()


async def _edit_and_converge(setup: Setup, rate: float, seconds: float) -> dict[str, Any]:
    began = time.perf_counter()
    await type_steadily(setup.editors, rate, seconds)
    await wait_until(lambda: converged(setup.editors), CONVERGE_TIMEOUT, 0.05)
    return percentiles(setup.ledger.latencies_between(began, time.perf_counter()))


# 3. PostgreSQL stopped and restarted ------------------------------------------------------

async def postgres_outage(*, outage: float = 10.0, documents: int = 4, per_document: int = 4,
                          rate: float = 5.0, before: float = 3.0, port: int | None = None,
                          instances: int = 2) -> dict[str, Any]:
    postgres = PrivatePostgres(port)
    try:
        await postgres.start()
        database_url = with_database(postgres.admin_url, "kokreasi")
        import asyncpg  # the admin connection only

        admin = await asyncpg.connect(postgres.admin_url)
        try:
            await admin.execute("CREATE DATABASE kokreasi")
        finally:
            await admin.close()
        async with running(database_url, SHARED_REDIS, documents, per_document,
                           instances) as setup:
            await type_steadily(setup.editors, rate, before)
            await wait_until(lambda: all(e.all_saved for e in setup.editors), 30)
            await postgres.stop()
            down = time.perf_counter()
            clock_at_stop = {e.tag: e.local_clock for e in setup.editors}
            saved_at_stop = {e.tag: len(e.saved_log) for e in setup.editors}
            await type_steadily(setup.editors, rate, outage)
            restarting = time.perf_counter()
            typed_down = [m for m, t in setup.ledger.typed.items() if down <= t <= restarting]
            shown_unlogged = sum(1 for m in typed_down
                                 if setup.ledger.first_seen_by_other.get(m, restarting)
                                 < restarting)
            saved_unlogged = sum(
                1 for e in setup.editors
                for _, clock in e.saved_log[saved_at_stop[e.tag]:] if clock > clock_at_stop[e.tag])
            not_saved = sum(1 for e in setup.editors if not e.all_saved)
            closes_during = sum(1 for e in setup.editors for at, _, _ in e.closes
                                if down <= at <= restarting)
            await postgres.start()
            back = time.perf_counter()
            took = await wait_until(lambda: converged(setup.editors)
                                    and all(e.all_saved for e in setup.editors),
                                    CONVERGE_TIMEOUT, 0.05)
            figures = await finish(setup, database_url, converge_from=back)
            figures.update(
                scenario=f"3. PostgreSQL down {outage:g} s",
                editors=len(setup.editors),
                edits_typed_while_down=len(typed_down),
                shown_to_others_unlogged=shown_unlogged,
                saved_acks_for_unlogged_edits=saved_unlogged,
                editors_showing_not_saved=not_saved,
                unavailable_closes_while_down=closes_during,
                time_to_converge_s=None if took is None else round(took, 2),
                all_saved_after=all(e.all_saved for e in setup.editors),
                unsaved_after=[
                    {"editor": e.tag, "saved_clock": e.saved_clock, "local_clock": e.local_clock,
                     "connected": e.connected, "closes": e.closes[-3:],
                     "connect_errors": e.connect_errors[-3:]}
                    for e in setup.editors if not e.all_saved
                ],
                fanout_before=percentiles(setup.ledger.latencies_between(0, down)),
            )
            return figures
    finally:
        await postgres.close()


async def _type_until(editors: Sequence[Editor], rate: float, done: asyncio.Event,
                      filler: str = "") -> None:
    while not done.is_set():
        await type_steadily(editors, rate, 0.5, filler)


# 4. A slow client ---------------------------------------------------------------------------

async def slow_client(*, baseline: float = 5.0, typists: int = 4, pasters: int = 2,
                      rate: float = 10.0, paste_kb: int = 128, paste_rate: float = 5.0,
                      drop_timeout: float = 60.0) -> dict[str, Any]:
    """Typists type small edits while pasters paste large ones into one document; then a
    client joins that stops reading. The typists' fan-out latency must stay as it was, and
    the server must drop the slow client."""
    from bench.faults.slow import SlowReader

    async with fresh_database() as database_url, \
            running(database_url, SHARED_REDIS, 1, typists) as setup:
        document = setup.documents[0]
        for editor in setup.editors:
            editor.tag = "t" + editor.tag  # typists' markers: [te0x0.n]
        extra = make_editors(setup.cluster, setup.ledger, [document], pasters, prefix="p")
        await connect_all(extra)
        setup.editors += extra
        typing, done = setup.editors[:typists], asyncio.Event()
        filler = "x" * (paste_kb * 1024)
        began = time.perf_counter()
        workers = [asyncio.create_task(_type_until(typing, rate, done)),
                   asyncio.create_task(_type_until(extra, paste_rate, done, filler))]
        try:
            await asyncio.sleep(baseline)
            slow_from = time.perf_counter()
            target = setup.cluster.instances[0]
            slow = SlowReader(target.ws_url(document, token_for("slowpoke"), saved=False))
            await slow.open()
            before = (await target.metrics()).get("kokreasi_slow_client_disconnects_total", 0)

            async def dropped() -> bool:
                now = await target.metrics()
                return now.get("kokreasi_slow_client_disconnects_total", 0) > before

            drop_s = None
            deadline = time.perf_counter() + drop_timeout
            while time.perf_counter() < deadline:
                if await dropped():
                    drop_s = round(time.perf_counter() - slow_from, 2)
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(2.0)  # the room after the drop
            slow_until = time.perf_counter()
        finally:
            done.set()
            await asyncio.gather(*workers, return_exceptions=True)
        await slow.close()
        last = time.perf_counter()
        figures = await finish(setup, database_url, converge_from=last)
        figures.update(
            scenario="4. slow client",
            editors=len(setup.editors), slow_client_dropped=drop_s is not None,
            slow_client_dropped_after_s=drop_s,
            pasted_mb=round(sum(e.typed for e in extra) * paste_kb / 1024, 1),
            typists_fanout_without_slow=percentiles(
                setup.ledger.latencies_between(began + 1.0, slow_from, "t")),
            typists_fanout_with_slow=percentiles(
                setup.ledger.latencies_between(slow_from, slow_until, "t")),
            typists_fanout_same_instance_with_slow=percentiles([
                s for _, s, m in setup.ledger.latencies
                if slow_from <= setup.ledger.typed[m] <= slow_until and m[1] == "t"
                and m[1:].split(".")[0].endswith(("x0", "x2"))]),
        )
        return figures


# 5. Malformed frames and bad credentials ----------------------------------------------------

def server_fanout(before: Sequence[dict[str, float]], after: Sequence[dict[str, float]],
                  ) -> dict[str, Any]:
    """The servers' own fan-out histogram between two scrapes: the share of updates sent on
    within 10, 25, 50 and 100 ms of arriving (free of any client-side delay)."""
    def total(scrapes: Sequence[dict[str, float]], key: str) -> float:
        return sum(s.get(key, 0.0) for s in scrapes)

    count = total(after, "kokreasi_fanout_seconds_count") - total(
        before, "kokreasi_fanout_seconds_count")
    shares: dict[str, Any] = {"updates": int(count)}
    for bound in ("0.01", "0.025", "0.05", "0.1"):
        key = f'kokreasi_fanout_seconds_bucket{{le="{bound}"}}'
        within = total(after, key) - total(before, key)
        shares[f"within_{int(float(bound) * 1000)}ms_pct"] = (
            round(100 * within / count, 2) if count else None)
    return shares


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a live process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _idle_priority() -> None:
    """In the attack process before it starts: run only on CPU time nobody else wants
    (SCHED_IDLE, and nice 19 where that is refused), as attackers on machines of their own
    take nothing from the servers'."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        os.nice(19)


async def _attack(setup: Setup, frames: int, requests: int, attackers: int,
                  pace: float, niced: bool) -> tuple[dict[str, int], float]:
    """Run the attack in a process of its own (``bench.faults.garbage``); what the server
    answered, and the CPU seconds the attack used."""
    import json
    import sys

    from bench.faults.cluster import REPO

    instances = setup.cluster.instances
    argv = [sys.executable, "-m", "bench.faults.garbage", "--frames", str(frames),
            "--requests", str(requests), "--attackers", str(attackers), "--pace", str(pace),
            "--document", setup.documents[0]]
    for n in range(attackers):
        target = instances[n % len(instances)]
        argv += ["--attack-url", target.ws_url(setup.documents[n % len(setup.documents)],
                                               token_for(f"mallory{n}"), saved=False)]
    for instance in instances:
        argv += ["--address", instance.address]
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env={**os.environ, "KOKREASI_SECRET_KEY": SECRET,
                              "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=_idle_priority if niced else None)
    try:
        out, err = await asyncio.wait_for(process.communicate(), 600)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"the attack failed: {err.decode()[-2000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    outcomes: dict[str, int] = result["outcomes"]
    return outcomes, float(result["cpu_s"])


def _refusals(scrapes: Sequence[dict[str, float]]) -> float:
    return sum(value for scrape in scrapes for key, value in scrape.items()
               if key.startswith("kokreasi_address_refusals_total"))


async def garbage(*, frames: int = 10_000, requests: int = 1_000, documents: int = 2,
                  per_document: int = 4, rate: float = 5.0, attackers: int = 8,
                  baseline: float = 3.0, after: float = 3.0, pace: float = 0.0,
                  niced: bool = False) -> dict[str, Any]:
    """``attackers`` connections send the frames flat out, or each ``pace`` seconds apart
    (as a proxy limiting connection attempts per address would let them); ``niced`` runs
    the attack on idle CPU only, as attackers on other machines would."""
    async with fresh_database() as database_url, \
            running(database_url, SHARED_REDIS, documents, per_document) as setup:
        instances = setup.cluster.instances
        done = asyncio.Event()
        typing = asyncio.create_task(_type_until(setup.editors, rate, done))
        try:
            start = [await i.metrics() for i in instances]
            await asyncio.sleep(baseline)
            await wait_until(lambda: all(e.all_saved for e in setup.editors), 10)
            attack_from = time.perf_counter()
            before = [await i.metrics() for i in instances]
            pids = [i.process.pid for i in instances if i.process is not None]
            cpu_before = [_cpu_seconds(pid) for pid in pids]
            outcomes, attacker_cpu = await _attack(setup, frames, requests, attackers, pace,
                                                   niced)
            cpu_after = [_cpu_seconds(pid) for pid in pids]
            attack_until = time.perf_counter()
            during = [await i.metrics() for i in instances]
            await asyncio.sleep(after)
        finally:
            done.set()
            await typing
        last = time.perf_counter()
        end = [await i.metrics() for i in instances]
        alive = [await i.healthy() for i in instances]
        figures = await finish(setup, database_url, converge_from=last)
        # 1013 or HTTP 429: the server refused the attacker's address before reading its
        # token.
        refused = ("1013", "1013 at handshake", "http 429 at handshake")
        writes_accepted = sum(v for k, v in outcomes.items()
                              if k.startswith("read-only")
                              and not k.endswith(("permission denied", *refused)))
        credential_kinds = ("no token", "garbage token", "other secret", "expired",
                            "role system", "unknown role", "claims missing", "tampered role")
        tokens_accepted = sum(v for k, v in outcomes.items()
                              if k.startswith(credential_kinds)
                              and not k.endswith(("4401", *refused)))
        http_ok = sum(v for k, v in outcomes.items()
                      if k.startswith("http") and not k.endswith(("401", "403")))
        attack_s = attack_until - attack_from
        figures.update(
            scenario="5. malformed frames and bad credentials"
            + (f" (each attacker paced {pace:g} s)" if pace else "")
            + (" (attack on idle CPU only)" if niced else ""),
            editors=len(setup.editors),
            malformed_frames_sent=frames,
            connections_closed_by_server=sum(v for k, v in outcomes.items()
                                             if ": closed 44" in k or ": closed 10" in k),
            refused_by_address_limit=sum(v for k, v in outcomes.items()
                                         if "closed 1013" in k or "http 429" in k),
            refused_with_http_429=sum(v for k, v in outcomes.items() if "http 429" in k),
            refusals_counted_by_servers=int(_refusals(during) - _refusals(before)),
            bad_requests_sent=requests,
            bad_tokens_accepted=tokens_accepted, read_only_writes_accepted=writes_accepted,
            http_not_refused=http_ok,
            instances_alive=all(alive),
            outcomes=dict(sorted(outcomes.items())),
            attack_niced=niced,
            attack_s=round(attack_s, 1),
            attempts_per_s=round((frames + requests) / attack_s),
            attacker_cpu_s=attacker_cpu,
            servers_cpu_s=round(sum(cpu_after) - sum(cpu_before), 1),
            fanout_before_attack=percentiles(
                setup.ledger.latencies_between(0, attack_from)),
            fanout_during_attack=percentiles(
                setup.ledger.latencies_between(attack_from, attack_until)),
            fanout_after_attack=percentiles(
                setup.ledger.latencies_between(attack_until, last)),
            server_fanout_before_attack=server_fanout(start, before),
            server_fanout_during_attack=server_fanout(before, during),
            server_fanout_after_attack=server_fanout(during, end),
            updates_refused_by_servers=sum(
                a.get("kokreasi_updates_refused_total", 0)
                - b.get("kokreasi_updates_refused_total", 0)
                for a, b in zip(during, before, strict=True)),
        )
        return figures
