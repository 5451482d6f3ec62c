"""The live server's measurements, exposed through prometheus_client.

The hot path only adds to plain numbers (an attribute increment per update); the numbers are
turned into metric families when Prometheus scrapes, with the client library's exposition, so
counts are printed exactly and the process metrics (CPU, memory, open files, GC) come along.
Each app has its own registry: several apps in one process (tests) never share counts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from enum import StrEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help, self.value = name, help_text, 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def family(self) -> Metric:
        return CounterMetricFamily(self.name, self.help, value=self.value)


class LabelledCounter:
    """A counter per value of one label; the values known up front are shown from zero, so a
    rate over them exists before the first increment."""

    def __init__(self, name: str, help_text: str, label: str, known: tuple[str, ...]) -> None:
        self.name, self.help, self.label = name, help_text, label
        self.values = dict.fromkeys(known, 0.0)

    def inc(self, value: str, amount: float = 1.0) -> None:
        self.values[value] = self.values.get(value, 0.0) + amount

    def family(self) -> Metric:
        family = CounterMetricFamily(self.name, self.help, labels=[self.label])
        for value, count in self.values.items():
            family.add_metric([value], count)
        return family


class Gauge:
    """A value read when scraped, so it is never out of date."""

    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help, self.read = name, help_text, read

    def family(self) -> Metric:
        return GaugeMetricFamily(self.name, self.help, value=self.read())


class ReadCounter:
    """A counter another part keeps as a plain number; read when scraped."""

    def __init__(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.name, self.help, self.read = name, help_text, read

    def family(self) -> Metric:
        return CounterMetricFamily(self.name, self.help, value=self.read())


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

    def family(self) -> Metric:
        buckets: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip(self.buckets, self.counts, strict=False):
            running += count
            buckets.append((f"{bound:g}", running))
        buckets.append(("+Inf", self.count))
        return HistogramMetricFamily(self.name, self.help, buckets=buckets, sum_value=self.sum)


class PersonRefusal(StrEnum):
    """What the per-person limits refused (``kokreasi_person_refusals_total{reason}``)."""

    COSTLY = "costly_update"  # more structs than one update may carry: connection closed
    RATE = "edit_rate"  # edits or their cost over the person's rate: connection closed
    CONNECTIONS = "connections"  # one connection too many: refused at the handshake
    PRESENCE_SIZE = "presence_size"  # an oversized presence message: connection closed
    PRESENCE_DROPPED = "presence_dropped"  # over the presence rate: not relayed
    PRESENCE_RATE = "presence_rate"  # a presence flood that went on: connection closed


class Metrics(Collector):
    """The live server's measurements; gauges are bound by the app once rooms exist."""

    content_type = CONTENT_TYPE_LATEST

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
            "websocket handshakes refused by the per-address limits, before any policy query",
            "reason", ("failures", "person_failures", "handshakes", "pending"))
        self.fanout_rejected = Counter(
            "kokreasi_fanout_rejected_total",
            "fan-out messages from Redis dropped: not sealed with the shared secret")
        self.person_refusals = LabelledCounter(
            "kokreasi_person_refusals_total",
            "updates, presence states and connections refused by the per-person limits",
            "reason", tuple(str(reason) for reason in PersonRefusal))
        self.append_latency = Histogram("kokreasi_append_seconds",
                                        "time to append and commit a batch of updates")
        self.fanout_latency = Histogram("kokreasi_fanout_seconds",
                                        "time from receiving an update to broadcasting it")
        self.gauges: list[Gauge] = []
        self.counters: list[ReadCounter] = []  # kept by other parts as plain numbers
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        self.gauges.append(Gauge(name, help_text, read))

    def counter(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        """A counter another part keeps; ``read`` gives its value when scraped."""
        self.counters.append(ReadCounter(name, help_text, read))

    def collect(self) -> Iterator[Metric]:
        metrics: tuple[Counter | LabelledCounter | ReadCounter | Gauge | Histogram, ...] = (
            self.updates, self.updates_empty, self.updates_refused, self.connections_total,
            self.slow_disconnects, self.address_refusals, self.person_refusals,
            self.fanout_rejected, self.append_latency, self.fanout_latency, *self.counters,
            *self.gauges,
        )
        for metric in metrics:
            yield metric.family()

    def render(self) -> str:
        return generate_latest(self.registry).decode()
