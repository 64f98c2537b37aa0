"""One simulated flight through the pipeline: frames and their telemetry, the real detection
pool (motion detector, a worker process), the tracker and the georeferencer, into the
flight's event log. Noise-free telemetry: detections land within metres of the vehicles."""

from __future__ import annotations

import numpy as np

from domain.flight_events import FlightEvent, FrameResult, TrackUpdate
from domain.footprint import horizontal_distance_m
from domain.frames import Frame, FrameClock
from domain.synchronisation import SyncedTelemetry, SyncKind
from drone_ai import bootstrap
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog
from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.config import Settings
from drone_ai.services.ingest import SyncedFrame
from drone_ai.services.pipeline import FlightPipeline


def test_a_simulated_flight_becomes_georeferenced_detections_and_tracks() -> None:
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": 8.0}))
    truths = {}
    synced = []
    for frame in flight.frames():
        truths[frame.t_us] = frame.truths
        sample = flight.reported_sample(frame.t_us)
        synced.append(
            SyncedFrame(
                Frame(frame.index, frame.t_us, FrameClock.CAPTURE_HEADER, frame.image),
                SyncedTelemetry(frame.t_us, SyncKind.INTERPOLATED, sample, 0),
            )
        )
    log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(100_000, 3_600.0)
    # The simulated KLV sends no frame-centre height: the ground's height is configured, as
    # for a real area without an elevation model (a constant geoid keeps it in HAE here).
    settings = Settings.from_env(
        {
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_DETECT_QUEUE_DEPTH": "1000",
            "DRONE_AI_GEOID_UNDULATION_M": "0",
            "DRONE_AI_GROUND_MSL_M": str(flight.scenario.origin.ground_hae_m),
        }
    )
    georeferencer = bootstrap.georeferencer(settings)
    with bootstrap.detection_pool(settings) as pool:
        lane = pool.open_flight("sim")
        pipeline = FlightPipeline(lane, georeferencer, log)
        pipeline.run(synced, result_wait_s=30.0)
        assert lane.stats().processed == len(synced)
    events = [e.event for e in log.read(0, 100_000).events]
    frames = [e for e in events if isinstance(e, FrameResult)]
    tracks = [e for e in events if isinstance(e, TrackUpdate)]
    assert len(frames) == len(synced) and pipeline.frames_without_result == 0
    assert all(len(f.footprint) == 4 and f.platform is not None for f in frames)
    errors_m = []
    for result in frames:
        for located in result.detections:
            assert located.position is not None
            errors_m.append(
                min(
                    horizontal_distance_m(
                        located.position.lat_deg, located.position.lon_deg, t.lat_deg, t.lon_deg
                    )
                    for t in truths[result.frame_time_us]
                )
            )
    print(f"{len(errors_m)} detections, median {np.median(errors_m):.2f} m")
    assert len(errors_m) > 200
    assert float(np.median(errors_m)) < 5.0
    assert any(t.speed_m_s is not None for t in tracks)
