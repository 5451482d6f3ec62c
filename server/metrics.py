"""Prometheus text exposition, hand-written: a few counters, gauges and histograms."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from enum import StrEnum

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help, self.value = name, help_text, 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def render(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter",
                f"{self.name} {self.value:g}"]


class LabelledCounter:
    """A counter per value of one label; the values known up front are shown from zero, so a
    rate over them exists before the first increment."""

    def __init__(self, name: str, help_text: str, label: str, known: tuple[str, ...]) -> None:
        self.name, self.help, self.label = name, help_text, label
        self.values = dict.fromkeys(known, 0.0)

    def inc(self, value: str, amount: float = 1.0) -> None:
        self.values[value] = self.values.get(value, 0.0) + amount

    def render(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter",
                *(f'{self.name}{{{self.label}="{value}"}} {count:g}'
                  for value, count in self.values.items())]


class Gauge:
    """A value read when scraped, so it is never out of date."""

    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help, self.read = name, help_text, read

    def render(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge",
                f"{self.name} {self.read():g}"]


class Histogram:
    def __init__(self, name: str, help_text: str,
                 buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.sum += value
        self.count += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        running = 0
        for bound, count in zip(self.buckets, self.counts, strict=False):
            running += count
            lines.append(f'{self.name}_bucket{{le="{bound:g}"}} {running}')
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {self.count}')
        lines += [f"{self.name}_sum {self.sum:g}", f"{self.name}_count {self.count}"]
        return lines


class PersonRefusal(StrEnum):
    """What the per-person limits refused (``kokreasi_person_refusals_total{reason}``)."""

    COSTLY = "costly_update"  # more structs than one update may carry: connection closed
    RATE = "edit_rate"  # edits or their cost over the person's rate: connection closed
    CONNECTIONS = "connections"  # one connection too many: refused at the handshake
    PRESENCE_SIZE = "presence_size"  # an oversized presence message: connection closed
    PRESENCE_DROPPED = "presence_dropped"  # over the presence rate: not relayed
    PRESENCE_RATE = "presence_rate"  # a presence flood that went on: connection closed


class Metrics:
    """The live server's measurements; gauges are bound by the app once rooms exist."""

    def __init__(self) -> None:
        self.updates = Counter("kokreasi_updates_total", "Yjs updates appended to the log")
        self.updates_empty = Counter("kokreasi_updates_empty_total",
                                     "updates that brought nothing new (not logged)")
        self.updates_refused = Counter("kokreasi_updates_refused_total",
                                       "updates refused (read-only, forged client id, malformed)")
        self.connections_total = Counter("kokreasi_connections_opened_total",
                                         "websocket connections accepted")
        self.slow_disconnects = Counter("kokreasi_slow_client_disconnects_total",
                                        "clients dropped because their send queue overflowed")
        self.address_refusals = LabelledCounter(
            "kokreasi_address_refusals_total",
            "websocket handshakes refused by the per-address limits, before any token is read",
            "reason", ("failures", "handshakes", "pending"))
        self.person_refusals = LabelledCounter(
            "kokreasi_person_refusals_total",
            "updates, presence states and connections refused by the per-person limits",
            "reason", tuple(str(reason) for reason in PersonRefusal))
        self.append_latency = Histogram("kokreasi_append_seconds",
                                        "time to append and commit a batch of updates")
        self.fanout_latency = Histogram("kokreasi_fanout_seconds",
                                        "time from receiving an update to broadcasting it")
        self.gauges: list[Gauge] = []

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.gauges.append(Gauge(name, help_text, read))

    def render(self) -> str:
        lines: list[str] = []
        metrics: tuple[Counter | LabelledCounter | Gauge | Histogram, ...] = (
            self.updates, self.updates_empty, self.updates_refused, self.connections_total,
            self.slow_disconnects, self.address_refusals, self.person_refusals,
            self.append_latency,
            self.fanout_latency, *self.gauges,
        )
        for metric in metrics:
            lines += metric.render()
        return "\n".join(lines) + "\n"
