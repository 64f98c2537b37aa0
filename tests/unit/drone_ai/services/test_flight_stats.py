from drone_ai.services.flight_stats import RATE_WINDOW_S, FlightCounters
from drone_ai.services.metrics import QuietMetrics
from tests.fake_tower import FakeDetectionLane


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_counts_rates_and_where_the_lost_frames_went() -> None:
    clock = Clock()
    lane = FakeDetectionLane({0, 1, 2})
    for _ in range(5):
        lane.submit(0, None)  # type: ignore[arg-type]
    counters = FlightCounters("f1", lane, QuietMetrics(), clock, lambda: {"truncated": 2})
    for n in range(30):
        clock.now_s = 100.0 + n / 30.0
        counters.frame_received("f1", 0.0 if n % 2 else None)
        if n % 3 == 0:
            counters.frame_processed("f1", 0.01)
    counters.frames_dropped("f1", "source_backlog", 4)
    counters.frames_dropped("f1", "pipeline_backlog", 1)
    stats = counters.snapshot()
    assert (stats.frames_received, stats.frames_processed) == (30, 10)
    assert stats.frames_shed == 2 + 1  # the lane's two unanswered and one pushed out here
    assert stats.frames_source_dropped == 4
    assert stats.telemetry_age_us == 0 and stats.telemetry_refused == {"truncated": 2}
    assert stats.received_fps == 30 / RATE_WINDOW_S
    clock.now_s += RATE_WINDOW_S + 1.0
    assert counters.snapshot().received_fps == 0.0
