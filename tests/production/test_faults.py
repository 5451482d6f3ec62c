"""The production proof, shortened: two `kokreasi serve` instances on one PostgreSQL and one
Redis, real Yjs editors on both, one fault each. Nothing may be lost, duplicated or
misattributed. (``bench/faults/run.py`` runs the full-length versions and prints figures.)"""

from __future__ import annotations

from typing import Any

import pytest

from bench.faults import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def assert_exact(figures: dict[str, Any]) -> None:
    summary = {k: figures[k] for k in ("edits_sent", "edits_in_log", "lost", "duplicated",
                                       "misattributed", "rows_by_others", "converged")}
    assert figures["edits_sent"] > 0, summary
    assert figures["converged"], summary
    assert figures["edits_in_every_final_doc"], summary
    assert figures["edits_in_log"] == figures["edits_sent"], summary
    assert (figures["lost"], figures["duplicated"], figures["misattributed"],
            figures["rows_by_others"]) == (0, 0, 0, 0), figures.get("duplicate_events", summary)


async def test_kill_9_of_one_instance_mid_storm_loses_nothing() -> None:
    figures = await scenarios.kill_instance(seconds=6.0, documents=2, per_document=4)
    assert_exact(figures)
    assert figures["edits_typed_after_kill"] > 0
    assert figures["moved_to_survivor"] and figures["survivor_alive"]


async def test_redis_outage_instances_serve_locally_then_converge() -> None:
    figures = await scenarios.redis_outage(outage=3.0, documents=2, per_document=4,
                                           before=1.5, after=1.5)
    assert_exact(figures)
    assert figures["reconnects_during_outage"] == 0  # nobody was cut off
    assert figures["outage_edits_seen_on_own_instance_pct"] == 100.0


async def test_postgres_outage_shows_and_acknowledges_nothing_unlogged() -> None:
    figures = await scenarios.postgres_outage(outage=3.0, documents=2, per_document=4,
                                              before=1.5)
    assert_exact(figures)
    assert figures["edits_typed_while_down"] > 0
    assert figures["shown_to_others_unlogged"] == 0
    assert figures["saved_acks_for_unlogged_edits"] == 0
    assert figures["editors_showing_not_saved"] == figures["editors"]
    assert figures["all_saved_after"], figures["unsaved_after"]


async def test_a_client_that_stops_reading_is_dropped_and_its_room_goes_on() -> None:
    figures = await scenarios.slow_client(baseline=2.0, typists=4, pasters=2,
                                          drop_timeout=40.0)
    assert_exact(figures)
    assert figures["slow_client_dropped"]


async def test_malformed_frames_and_bad_credentials_leave_no_trace() -> None:
    figures = await scenarios.garbage(frames=600, requests=120, attackers=4, baseline=1.5)
    assert_exact(figures)  # includes: not one row by any attacker
    assert figures["instances_alive"]
    assert figures["bad_tokens_accepted"] == 0
    assert figures["read_only_writes_accepted"] == 0
    assert figures["http_not_refused"] == 0
    assert figures["connections_closed_by_server"] > 0
    # Closed after a frame, or refused at the handshake (a 1013 close or an HTTP 429).
    assert (figures["connections_closed_by_server"] + figures["refused_with_http_429"]
            >= figures["malformed_frames_sent"] // 2)
    assert figures["refusals_counted_by_servers"] == figures["refused_by_address_limit"]
