import urllib.request

from drone_ai.adapters.metrics.prometheus import PrometheusMetrics, serve_metrics


def test_figures_land_in_the_tower_s_own_registry() -> None:
    metrics = PrometheusMetrics()
    for _ in range(3):
        metrics.frame_received("f1", 0.04)
    metrics.frame_received("f1", None)
    metrics.frame_processed("f1", 0.020)
    metrics.frames_dropped("f1", "detector_shed", 2)
    metrics.flight_state("f1", "live")
    metrics.event_delivered(0.012)
    metrics.subscriber_backlog("acme#1", 7)
    metrics.subscriber_backlog("acme#2", 0)
    metrics.subscriber_backlog("acme#2", None)

    def value(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    assert value("drone_ai_frames_received_total", flight="f1") == 4.0
    assert value("drone_ai_frames_without_telemetry_total", flight="f1") == 1.0
    assert value("drone_ai_telemetry_age_seconds", flight="f1") == 0.04
    assert value("drone_ai_frames_processed_total", flight="f1") == 1.0
    assert value("drone_ai_frames_dropped_total", flight="f1", reason="detector_shed") == 2.0
    assert value("drone_ai_flight_state", flight="f1", state="live") == 1.0
    assert value("drone_ai_flight_state", flight="f1", state="starting") == 0.0
    assert value("drone_ai_frame_to_subscriber_seconds_bucket", le="0.025") == 1.0
    assert value("drone_ai_subscribers") == 1.0
    assert value("drone_ai_subscriber_backlog_events", subscription="acme#1") == 7.0
    assert value("drone_ai_subscriber_backlog_events", subscription="acme#2") is None


def test_served_for_scraping_on_127_0_0_1() -> None:
    metrics = PrometheusMetrics()
    metrics.frame_received("f9", 0.0)
    server = serve_metrics("127.0.0.1:0", metrics)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'drone_ai_frames_received_total{flight="f9"} 1.0' in text
