"""What signing in costs per request: prints numbers, asserts nothing.

    .venv/bin/python bench/sessions_bench.py [--tokens 20000] [--runs 5]

Every HTTP request and websocket handshake verifies a session token (itsdangerous, HMAC-SHA256
with a key derived for the session purpose) and asks whether its session has ended. Medians
of ``--runs`` runs, each against a baseline measured in the same run: one bare HMAC-SHA256
over a token-sized body, compared in constant time (the floor of any signed token; the
hand-made format before itsdangerous cost about that plus a JSON parse).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import statistics
import time
from collections.abc import Callable

from events.record import Stakeholder
from identity.tokens import issue_token, read_token
from process.state import ProcessState

SECRET = b"a-bench-secret-of-enough-length-0123"
RETIRED = b"a-retired-secret-of-enough-length-99"


def rate(count: int, work: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(count):
        work(i)
    return count / (time.perf_counter() - start)


def one_run(count: int) -> dict[str, float]:
    tokens = [issue_token(SECRET, name=f"Person {i}", org="Organisation", role=Stakeholder.CSO)
              for i in range(count)]
    old = [issue_token(RETIRED, name=f"Person {i}", org="Organisation", role=Stakeholder.CSO)
           for i in range(count)]
    body = tokens[0].rsplit(".", 1)[0].encode()
    signature = hmac.new(SECRET, body, hashlib.sha256).digest()
    state = ProcessState()
    state.sessions_ended = {f"person-{i}": 1e9 for i in range(1000)}
    principals = [read_token(SECRET, t) for t in tokens]
    return {
        "floor": rate(count, lambda i: hmac.compare_digest(
            hmac.new(SECRET, body, hashlib.sha256).digest(), signature)),
        "issue": rate(count, lambda i: issue_token(SECRET, name="Ayu", org="ICW",
                                                   role=Stakeholder.CSO)),
        "read": rate(count, lambda i: read_token(SECRET, tokens[i])),
        "read_rotated": rate(count, lambda i: read_token(SECRET, old[i], previous=[RETIRED])),
        "ended_check": rate(count, lambda i: state.session_ended(
            principals[i].person_id, principals[i].issued_at)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [one_run(args.tokens) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    ratio = statistics.median(run["read"] / run["floor"] for run in runs)
    print(f"bare HMAC-SHA256 (floor) {median['floor']:12,.0f} /s")
    print(f"issue_token              {median['issue']:12,.0f} /s")
    print(f"read_token               {median['read']:12,.0f} /s  ({ratio:.2f}x the floor, "
          f"{1e6 / median['read']:.1f} µs per request)")
    print(f"read_token, old secret   {median['read_rotated']:12,.0f} /s  (during a rotation)")
    print(f"session ended? (state)   {median['ended_check']:12,.0f} /s")


if __name__ == "__main__":
    main()
