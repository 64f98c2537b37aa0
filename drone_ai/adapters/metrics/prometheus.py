"""The tower's metrics for Prometheus (prometheus-client): counters, gauges and histograms in a
registry of the tower's own (not the library's global one, so that two towers in one process,
as in tests, keep their figures apart), served over HTTP for scraping.

Frame rates come from the counters: rate(drone_ai_frames_received_total[10s]) is a flight's
fps in, rate(drone_ai_frames_processed_total[10s]) its fps processed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from drone_ai.errors import ConfigError

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
FLIGHT_STATES = ("starting", "live", "degraded", "stopped", "failed")


class PrometheusMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._received = Counter(
            "drone_ai_frames_received",
            "Frames that reached a flight's pipeline",
            ["flight"],
            registry=r,
        )
        self._processed = Counter(
            "drone_ai_frames_processed",
            "Frames whose results were logged for subscribers",
            ["flight"],
            registry=r,
        )
        self._dropped = Counter(
            "drone_ai_frames_dropped",
            "Frames that will have no results, by reason",
            ["flight", "reason"],
            registry=r,
        )
        self._telemetry_age = Gauge(
            "drone_ai_telemetry_age_seconds",
            "Age of the telemetry used for the flight's latest frame (0: interpolated)",
            ["flight"],
            registry=r,
        )
        self._without_telemetry = Counter(
            "drone_ai_frames_without_telemetry",
            "Frames that had no usable telemetry",
            ["flight"],
            registry=r,
        )
        self._detection = Histogram(
            "drone_ai_detection_seconds",
            "From handing a frame to detection to its results (queueing included)",
            ["flight"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self._state = Gauge(
            "drone_ai_flight_state",
            "1 for the flight's current state",
            ["flight", "state"],
            registry=r,
        )
        self._delivered = Histogram(
            "drone_ai_frame_to_subscriber_seconds",
            "From a frame reaching the tower to its result entering a subscriber's stream",
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self._subscribers = Gauge("drone_ai_subscribers", "Subscriber streams open", registry=r)
        self._backlog = Gauge(
            "drone_ai_subscriber_backlog_events",
            "Events logged that a subscriber has not been sent yet (its queue)",
            ["subscription"],
            registry=r,
        )
        self._open: set[str] = set()
        self._lock = threading.Lock()

    def frame_received(self, flight_id: str, telemetry_age_s: float | None) -> None:
        self._received.labels(flight_id).inc()
        if telemetry_age_s is None:
            self._without_telemetry.labels(flight_id).inc()
        else:
            self._telemetry_age.labels(flight_id).set(telemetry_age_s)

    def frame_processed(self, flight_id: str, detection_s: float) -> None:
        self._processed.labels(flight_id).inc()
        self._detection.labels(flight_id).observe(detection_s)

    def frames_dropped(self, flight_id: str, reason: str, count: int = 1) -> None:
        self._dropped.labels(flight_id, reason).inc(count)

    def flight_state(self, flight_id: str, state: str) -> None:
        for known in FLIGHT_STATES:
            self._state.labels(flight_id, known).set(1.0 if known == state else 0.0)

    def event_delivered(self, frame_to_subscriber_s: float) -> None:
        self._delivered.observe(frame_to_subscriber_s)

    def subscriber_backlog(self, subscription: str, events: int | None) -> None:
        with self._lock:  # the open set and the gauge's labels change together
            if events is None:
                if subscription in self._open:
                    self._open.discard(subscription)
                    self._backlog.remove(subscription)
            else:
                self._open.add(subscription)
                self._backlog.labels(subscription).set(events)
            self._subscribers.set(len(self._open))


def serve_metrics(
    address: str,
    metrics: PrometheusMetrics,
    cert_path: Path | None = None,
    key_path: Path | None = None,
) -> WSGIServer:
    """Serve /metrics at "host:port" (port 0: any free one; see the result's server_port),
    over HTTPS when given a certificate and key. Stop it with shutdown()."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65_535:
        raise ConfigError(f"DRONE_AI_METRICS_LISTEN: expected host:port, got {address!r}")
    server, _thread = start_http_server(
        int(port),
        host.strip("[]"),
        metrics.registry,
        certfile=None if cert_path is None else str(cert_path),
        keyfile=None if key_path is None else str(key_path),
    )
    return server
