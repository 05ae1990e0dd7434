"""Prometheus metrics of one app: requests, latency, answers, and the live index's size and age.

Under `qa serve --workers N` the counts live in files shared by the workers (prometheus-client's
multiprocess mode), so a scrape sees every worker's requests whichever worker answers it.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

from api import connection_metrics
from api.access_log import Exchange

if TYPE_CHECKING:  # loaded in the background at start-up, so the port opens without it
    from qa.engine import Engine

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# prometheus-client's own variable: read when it is first imported, so set before workers start.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_by_workers() -> Iterator[None]:
    """While the block runs, worker processes started in it keep their metrics in one fresh folder.

    An operator's own PROMETHEUS_MULTIPROC_DIR (a volume, say) is kept as it is: theirs to empty
    between runs. Otherwise the folder is temporary and removed when the block ends.
    """
    if os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="qa-metrics-") as folder:
        os.environ[MULTIPROCESS_DIR] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]


class _IndexCollector:
    """Index size and age, and the int8 start-up check, read from the live engine when Prometheus scrapes."""

    def __init__(self, engine: Callable[[], "Engine | None"]) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        engine = self.engine()
        if engine is None:
            return
        manifest = engine.index.manifest
        built = datetime.fromisoformat(manifest.built_at)
        yield GaugeMetricFamily("qa_index_passages", "Passages in the live index.", value=manifest.passages)
        age = (datetime.now(UTC) - built).total_seconds()
        yield GaugeMetricFamily("qa_index_age_seconds", "Seconds since the live index was built.", value=age)
        check = engine.int8_check
        if check is not None:
            yield GaugeMetricFamily(
                "qa_int8_check_differing_questions",
                "Stored questions int8 showed otherwise than the float model at start-up on this CPU.",
                value=check.differing,
            )
            yield GaugeMetricFamily(
                "qa_int8_questions",
                "1 when questions are encoded with int8, 0 when the check chose float.",
                value=int(check.passed),
            )


class Metrics:
    """A registry of its own per app, so several apps in one process do not clash.

    Labels are route templates (never raw paths) and statuses: no question text, bounded cardinality.
    In multiprocess mode the counts are written to the shared folder and a scrape adds up every
    worker's; the index gauges come from the worker that answers (all serve the same build).
    """

    def __init__(self, engine: Callable[[], "Engine | None"]) -> None:
        self.shared_dir = os.environ.get(MULTIPROCESS_DIR)
        self.index = _IndexCollector(engine)
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter("qa_http_requests", "HTTP requests.", labels, registry=self.registry)
        self.latency = Histogram(
            "qa_http_request_duration_seconds",
            "Time to answer a request.",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "qa_answers", "Questions answered with passages or refused.", ["outcome"], registry=self.registry
        )
        for outcome in ("answered", "refused"):
            self.answers.labels(outcome)
        self.rechecked = Counter(
            "qa_questions_rechecked",
            "Questions encoded again with the float model because the int8 answer was a close call.",
            registry=self.registry,
        )
        self.limit_storage_failures = Counter(
            "qa_rate_limit_storage_failures",
            "Requests let through unlimited because the rate limit's storage (Redis) failed or did not answer in time.",
            registry=self.registry,
        )
        self.registry.register(self.index)
        for collector in connection_metrics.COLLECTORS:  # the process's own, shared by its apps
            self.registry.register(collector)

    def observe(self, exchange: Exchange) -> None:
        method = exchange.method if exchange.method in _METHODS else "other"
        labels = (method, exchange.route, str(exchange.status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(exchange.latency_s)
        if exchange.answered is not None:
            self.answers.labels("answered" if exchange.answered else "refused").inc()

    def exposition(self) -> bytes:
        if not self.shared_dir:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, self.shared_dir)  # type: ignore[no-untyped-call]
        registry.register(self.index)
        return generate_latest(registry)
