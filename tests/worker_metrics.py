"""Requests counted by each `qa serve --workers N` worker, from its file of the multiprocess metrics folder."""

import shutil
import tempfile
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families


def requests_counted(exposition: str, method: str, route: str, status: int) -> float:
    """`method route` requests answered with `status` in an exposition."""
    labels = {"method": method, "route": route, "status": str(status)}
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "qa_http_requests_total" and sample.labels == labels
    )


def per_worker(folder: Path, method: str, route: str, status: int) -> list[float]:
    """Each worker's own count of `method route` answered with `status` (`folder`: the server's metrics folder)."""
    counts = []
    for counter_file in sorted(folder.glob("counter_*.db")):
        alone = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f"alone-{counter_file.stem}-"))
        shutil.copy(counter_file, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, str(alone))  # type: ignore[no-untyped-call]
        counts.append(requests_counted(generate_latest(registry).decode(), method, route, status))
    return counts
