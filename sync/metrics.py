"""The Prometheus metrics of the daemon: counters the engine increments, gauges read at scrape.

The engine (and the connector's retry layer, through the engine) increments the
counters below; `render(gauges)` produces the text exposition format for
`/metrics`, adding gauges read from the store at scrape time (outbox depth, locks
held), so they are never stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from store.views import StoreGauges

REGISTRY = CollectorRegistry(auto_describe=True)

SYNC_CYCLES = Counter(
    "xray_sync_cycles", "Sync cycles run, by result", ["result"], registry=REGISTRY
)
PUSHES = Counter("xray_sync_pushes", "Sessions pushed to Jira/Xray", registry=REGISTRY)
PULLS = Counter("xray_sync_pulls", "Sessions updated from Jira/Xray", registry=REGISTRY)
ERRORS = Counter("xray_sync_errors", "Sync errors, by kind", ["kind"], registry=REGISTRY)
RATE_LIMIT_WAITS = Counter(
    "xray_sync_rate_limit_waits", "Waits imposed by Jira/Xray rate limits", registry=REGISTRY
)
RATE_LIMIT_WAIT_SECONDS = Counter(
    "xray_sync_rate_limit_wait_seconds", "Seconds spent waiting on rate limits", registry=REGISTRY
)
WEBHOOKS = Counter(
    "xray_sync_webhooks", "Webhook deliveries, by endpoint and outcome",
    ["endpoint", "outcome"], registry=REGISTRY,
)

# the gauges read at scrape time: name -> help
GAUGES: dict[str, str] = {
    "xray_sync_outbox_depth": "Changes waiting in the outbox to be pushed",
    "xray_sync_locks_held": "Sessions currently locked (by users or by Jira)",
}


class _ScrapeGauges(Collector):
    def __init__(self, values: Mapping[str, float]) -> None:
        self._values = values

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, help_text in GAUGES.items():
            if name in self._values:
                yield GaugeMetricFamily(name, help_text, value=self._values[name])


def store_gauges(read: StoreGauges) -> dict[str, float]:
    """The store's counts under their gauge names."""
    return {"xray_sync_outbox_depth": float(read.outbox_depth),
            "xray_sync_locks_held": float(read.locks_held)}


def render(gauges: Callable[[], Mapping[str, float]] | None = None) -> bytes:
    """The counters plus the scrape-time gauges, in Prometheus text format."""
    text = generate_latest(REGISTRY)
    if gauges is not None:
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_ScrapeGauges(gauges()))
        text += generate_latest(scrape)
    return text
