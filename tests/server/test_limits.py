"""The per-person token bucket."""

from __future__ import annotations

from pathlib import Path

from server.limits import Limits, PersonLimits
from throttle import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_debt_grows_and_refills_with_time() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == 0.1
    assert bucket.take() == 0.2
    clock.now = 1.0
    assert bucket.take() == 0.0


def test_buckets_are_per_person_not_per_connection() -> None:
    clock = Clock()
    limiter = PersonLimits(Limits(updates_per_second=1, update_burst=1), clock).edits
    assert limiter.take("ayu") == 0.0
    assert limiter.take("ayu") > 0.0
    assert limiter.take("budi") == 0.0


def test_connections_are_counted_per_person_up_to_the_cap() -> None:
    limits = PersonLimits(Limits(max_connections_per_person=2))
    assert [limits.connect("ayu") for _ in range(3)] == [True, True, False]
    assert limits.connect("budi")
    limits.disconnect("ayu")
    assert limits.connect("ayu")
    assert not limits.connect("ayu")


def test_an_update_costs_its_structs_or_its_bytes_whichever_weigh_more() -> None:
    import pycrdt

    from server import costs
    from ycodec import TooManyStructs, outline

    doc: pycrdt.Doc[object] = pycrdt.Doc(client_id=7)
    text = doc.get("text", type=pycrdt.Text)
    with doc.transaction():
        for _ in range(50):
            text.insert(0, "x")  # 50 structs
    many = doc.get_update()
    paste = pycrdt.Doc(client_id=8)
    paste.get("text", type=pycrdt.Text).insert(0, "y" * 12_800)  # one struct, 12.8 kB
    limits = Limits(bytes_per_item=128)
    assert costs.cost(outline(many), len(many), limits) == 50
    big = paste.get_update()
    assert costs.cost(outline(big), len(big), limits) == len(big) / 128 > 100
    try:
        outline(many, max_structs=49)
    except TooManyStructs as error:
        assert "49" in str(error)
    else:
        raise AssertionError("the walk did not stop at the limit")


def test_the_connection_cap_and_edit_rate_come_from_the_environment(tmp_path: Path) -> None:
    from kokreasi.commands.serve import live_limits
    from kokreasi.settings import SettingsError, load

    def limits_of(env: dict[str, str]) -> Limits:
        return live_limits(load(env={"KOKREASI_DATA_DIR": str(tmp_path), **env}, read_only=True))

    assert Limits().max_connections_per_person == 20
    chosen = limits_of({"KOKREASI_MAX_CONNECTIONS_PER_PERSON": "5",
                        "KOKREASI_EDITS_PER_SECOND": "100", "KOKREASI_HEADER_TIMEOUT": "3"})
    assert (chosen.max_connections_per_person, chosen.updates_per_second,
            chosen.header_timeout) == (5, 100, 3)
    for bad in ("0", "2.5", "many"):
        try:
            limits_of({"KOKREASI_MAX_CONNECTIONS_PER_PERSON": bad})
        except SettingsError as error:
            assert "KOKREASI_MAX_CONNECTIONS_PER_PERSON" in str(error)
        else:
            raise AssertionError(f"{bad!r} was accepted")
