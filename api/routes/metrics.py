"""GET /metrics: the app's Prometheus metrics (api/metrics.py holds them)."""

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import StateDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(state: StateDep) -> PlainTextResponse:
    """Counters, latency histograms and index gauges in the Prometheus text format."""
    return PlainTextResponse(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
