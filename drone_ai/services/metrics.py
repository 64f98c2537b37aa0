"""The tower's metrics when nothing collects them (tests, tools): every report is dropped."""

from __future__ import annotations


class QuietMetrics:
    def frame_received(self, flight_id: str, telemetry_age_s: float | None) -> None:
        pass

    def frame_processed(self, flight_id: str, detection_s: float) -> None:
        pass

    def frames_dropped(self, flight_id: str, reason: str, count: int = 1) -> None:
        pass

    def flight_state(self, flight_id: str, state: str) -> None:
        pass

    def event_delivered(self, frame_to_subscriber_s: float) -> None:
        pass

    def subscriber_backlog(self, subscription: str, events: int | None) -> None:
        pass
