"""The tower under benchmark and what the benchmark does to it (bench/tower.py prints the
figures; tests/integration/test_bench_tower.py runs these pieces small).

The tower runs in this process as `drone-ai serve` runs it: the detection pool's worker
processes, flight control and the gRPC server on 127.0.0.1, wired by bootstrap. Its inputs
and partners are other processes: a paced UDP sender (bench.ts_sender) and gRPC subscribers
(bench.subscribers).

Two kinds of flight:
- video flights: a pre-rendered simulated 720p30 MPEG-TS with KLV, streamed over UDP in real
  time to the tower (StartFlight with a udp:// URI), each flight its own port;
- synthetic flights: a flight record whose log the bench writes itself, with frame results
  shaped like real ones (footprint, platform, located detections) at a steady rate, so that
  what is measured is the fan-out to subscribers alone. Their `received_us` is stamped just
  before the append, so a subscriber's latency is from the log to it.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from bench.subscribers import StreamResult, Subscribers, Window
from bench.ts_sender import Sender, free_udp_port, wait_bound
from domain.detections import Detection
from domain.flight_events import (
    FlightEvent,
    FlightState,
    FrameResult,
    GeoPosition,
    LocatedDetection,
    StatusChange,
)
from domain.frames import Frame
from domain.georeference import Method
from drone_ai import bootstrap
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog, wall_clock_us
from drone_ai.adapters.video.pyav_source import PyAvFrameSource
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.server import MAX_STREAMS, build_server
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.flights import FlightRecord

# Capacity is what is measured: the pool admits every flight (no minimum share), and keeps
# its default queue depth, so that a flight it cannot keep up with sheds frames.
BENCH_ENV = {"DRONE_AI_DETECT_MIN_RATE_HZ": "0", "DRONE_AI_DETECT_MAX_FLIGHTS": "256"}
UDP_TIMEOUT_S = 3.0  # a flight's input ends this long after its sender stops
SYNTHETIC_START_US = 1_700_000_000_000_000
TAIL_US = 300_000  # beyond the synchroniser's 250 ms wait for telemetry
GRACE_S = 1.5  # after its sender ends, for a flight's counted frames to reach their subscriber


@dataclass(frozen=True, slots=True)
class Tower:
    settings: Settings
    control: FlightControl
    address: str
    stub: pb_grpc.TowerStub


@contextmanager
def running_tower(env: Mapping[str, str], max_streams: int = MAX_STREAMS) -> Iterator[Tower]:
    """The tower with `env`'s settings (over BENCH_ENV), serving on 127.0.0.1."""
    settings = Settings.from_env({**BENCH_ENV, **env})
    with bootstrap.detection_pool(settings) as pool:
        control = bootstrap.flight_control(settings, pool)
        server = build_server(control, subscriber_wait_s=0.2, max_streams=max_streams)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        address = f"127.0.0.1:{port}"
        try:
            with grpc.insecure_channel(address) as channel:
                yield Tower(settings, control, address, pb_grpc.TowerStub(channel))  # type: ignore[no-untyped-call]
        finally:
            # Flights end before the pool closes under them (each within its input's timeout).
            for record in control.flights.all():
                control.stop(record.flight_id, wait_s=UDP_TIMEOUT_S + 30.0)
            server.stop(grace=None)


@dataclass(frozen=True, slots=True)
class Clip:
    """A pre-rendered simulated flight and the frame times the tower will give its frames."""

    path: Path
    frame_times_us: tuple[int, ...]

    @property
    def duration_s(self) -> float:
        return (self.frame_times_us[-1] - self.frame_times_us[0]) / 1e6


def render_clip(folder: Path, seconds: float) -> Clip:
    """The default scenario (1280x720, 30 fps, KLV at 25 Hz) for `seconds`, as MPEG-TS."""
    path = folder / f"flight_{seconds:g}s.ts"
    bootstrap.simulate_to_path(None, path, duration_s=seconds)
    times = tuple(e.t_us for e in PyAvFrameSource(str(path)).events() if isinstance(e, Frame))
    return Clip(path, times)


def udp_uri(port: int) -> str:
    """An MPEG-TS input on 127.0.0.1:port: a large FIFO that drops rather than fails when the
    tower falls behind, and a read timeout (microseconds) that ends the flight."""
    timeout_us = round(UDP_TIMEOUT_S * 1e6)
    return f"udp://127.0.0.1:{port}?fifo_size=100000&overrun_nonfatal=1&timeout={timeout_us}"


@dataclass(frozen=True, slots=True)
class FlightsRun:
    """N video flights at once: each flight's subscriber's view of its steady frames."""

    flights: int
    expected_per_flight: int  # frames in the counted window
    streams: list[StreamResult]
    sender_late_s: float  # the sender's worst lateness against the stream's clock
    tower_cores: float  # CPU seconds per second while the sender ran: the tower's process
    worker_cores: float  # and its detection pool's workers

    @property
    def delivered(self) -> float:
        return sum(s.frames for s in self.streams) / (self.expected_per_flight * self.flights)

    @property
    def latencies_us(self) -> list[int]:
        return [latency for s in self.streams for latency in s.latencies_us]

    @property
    def min_fps(self) -> float:
        return min((s.fps for s in self.streams), default=0.0)


def run_flights(tower: Tower, clip: Clip, count: int, warmup_frames: int, tag: str) -> FlightsRun:
    """`count` flights of `clip` in real time, staggered over one frame period. Counted: the
    frames after the first `warmup_frames` (a UDP input's first second arrives in a burst while
    FFmpeg probes the stream) and before the clip's last TAIL_US (those wait for telemetry
    after them, or in the demuxer, until the input ends)."""
    ports = [free_udp_port() for _ in range(count)]
    flight_ids = [f"{tag}-{k}" for k in range(count)]
    times = clip.frame_times_us
    counted = [t for t in times[warmup_frames:] if t <= times[-1] - TAIL_US]
    window = Window(counted[0], counted[-1])
    deadline_s = clip.duration_s + 60.0
    subscribers = Subscribers(tower.address, flight_ids, window=window, deadline_s=deadline_s)
    sender = Sender(clip.path, ports, stagger_s=clip.duration_s / len(times) / count)
    try:
        subscribers.wait_ready()
        sender.wait_ready()
        wait_landed(tower, deadline_s=UDP_TIMEOUT_S + 30.0)
        for flight_id, port in zip(flight_ids, ports, strict=True):
            tower.stub.StartFlight(
                pb.StartFlightRequest(flight_id=flight_id, video_uri=udp_uri(port))
            )
        subscribers.start()
        if not wait_bound(ports, 10.0):
            raise RuntimeError(f"the tower did not open its UDP inputs {ports} within 10 s")
        workers = pool_workers()
        cpu_began_s, workers_began_s = time.process_time(), sum(map(cpu_s, workers))
        began_s = time.monotonic()
        sender.start()
        late_s = sender.join(deadline_s)
        wall_s = time.monotonic() - began_s
        tower_cores = (time.process_time() - cpu_began_s) / wall_s
        worker_cores = (sum(map(cpu_s, workers)) - workers_began_s) / wall_s
        # A frame not delivered by then is lost: a flight that sheds frames may end slowly.
        streams = subscribers.results(cut_off_after_s=GRACE_S)
    finally:
        sender.stop()
        subscribers.kill()
    return FlightsRun(count, len(counted), streams, late_s, tower_cores, worker_cores)


def wait_landed(tower: Tower, deadline_s: float) -> None:
    """Returns once no flight is starting or live (the last run's flights have ended)."""
    end = time.monotonic() + deadline_s
    running = (FlightState.STARTING, FlightState.LIVE)
    while any(r.state in running for r in tower.control.flights.all()):
        if time.monotonic() > end:
            raise RuntimeError(f"flights still running after {deadline_s:.0f} s")
        time.sleep(0.05)


def frame_event(t_us: int, detections: int) -> FrameResult:
    """A frame result shaped like the pipeline's: footprint, platform, located detections."""
    corners = tuple(
        GeoPosition(38.0 + 0.001 * (i // 2), -77.0 + 0.001 * (i % 2), 60.0) for i in range(4)
    )
    found = tuple(
        LocatedDetection(
            Detection(100.0 + 20 * k, 200.0, 130.0 + 20 * k, 220.0, 0, "vehicle", 0.8),
            k + 1,
            GeoPosition(38.0005, -77.0005 + 1e-5 * k, 60.0),
            1.5,
            Method.POSE_ELLIPSOID,
        )
        for k in range(detections)
    )
    return FrameResult(
        t_us, 20_000, GeoPosition(38.0, -77.01, 560.0), corners, found, wall_clock_us()
    )


class SyntheticFlight:
    """A flight in the tower's directory whose events the bench writes (module docstring).
    Frame k's frame time is SYNTHETIC_START_US + k * period: windows are known in advance."""

    def __init__(self, tower: Tower, flight_id: str, rate_hz: float = 30.0) -> None:
        settings = tower.settings
        self.log: InMemoryEventLog[FlightEvent] = InMemoryEventLog(
            settings.event_log_max_events, settings.event_log_max_age_s
        )
        self.record = FlightRecord(flight_id, wall_clock_us(), self.log, FlightState.LIVE)
        tower.control.flights.add(self.record)
        self.log.append(StatusChange(FlightState.LIVE, "synthetic"))
        self.period_us = round(1e6 / rate_hz)
        self.next_frame = 0

    def frame_time_us(self, index: int) -> int:
        return SYNTHETIC_START_US + index * self.period_us

    def window(self, frames: int) -> Window:
        """The window of the next `frames` frames."""
        first = self.next_frame
        return Window(self.frame_time_us(first), self.frame_time_us(first + frames - 1))

    def drive(self, frames: int, detections: int = 5, rate_hz: float | None = None) -> None:
        """Append the next `frames` frame results, paced at `rate_hz` (the flight's rate)."""
        period_s = 1.0 / rate_hz if rate_hz else self.period_us / 1e6
        began = time.monotonic()
        for n in range(frames):
            ahead_s = began + n * period_s - time.monotonic()
            if ahead_s > 0:
                time.sleep(ahead_s)
            self.log.append(frame_event(self.frame_time_us(self.next_frame), detections))
            self.next_frame += 1

    def end(self) -> None:
        self.record.state = FlightState.STOPPED
        self.log.append(StatusChange(FlightState.STOPPED, "synthetic flight ended"))


def split(count: int, parts: int) -> list[int]:
    """`count` as `parts` near-equal shares, none empty."""
    parts = max(1, min(parts, count))
    return [count // parts + (1 if k < count % parts else 0) for k in range(parts)]


@dataclass(frozen=True, slots=True)
class FanoutRun:
    """Subscribers on one synthetic flight: each stream's view, and the CPU spent (in cores:
    CPU seconds per second of the run) by the tower's process and by the subscribers'."""

    events: int  # frame events each stream should have seen
    streams: list[StreamResult]
    tower_cores: float
    subscriber_cores: float

    @property
    def latencies_us(self) -> list[int]:
        return [latency for s in self.streams for latency in s.latencies_us]

    @property
    def whole(self) -> bool:
        """Every stream saw every event."""
        return all(s.frames == self.events and s.gaps == 0 for s in self.streams)


def run_fanout(
    tower: Tower,
    subscribers: int,
    seconds: float,
    tag: str,
    processes: int = 2,
    streams_per_channel: int = 50,
) -> FanoutRun:
    """`subscribers` streams on one synthetic flight at 30 events/s for `seconds`."""
    flight = SyntheticFlight(tower, tag)
    frames = max(1, round(seconds * 30))
    window = flight.window(frames)
    clients = [
        Subscribers(
            tower.address,
            [tag] * share,
            channels=math.ceil(share / streams_per_channel),
            window=window,
            deadline_s=seconds + 60.0,
        )
        for share in split(subscribers, processes)
    ]
    try:
        for client in clients:
            client.wait_ready()
        for client in clients:
            client.start()
        began_s, cpu_began_s = time.monotonic(), time.process_time()
        flight.drive(frames)
        flight.end()
        streams = [s for client in clients for s in client.results()]
        wall_s = time.monotonic() - began_s
        tower_cores = (time.process_time() - cpu_began_s) / wall_s
    finally:
        for client in clients:
            client.kill()
    subscriber_cores = sum(client.cpu_s for client in clients) / wall_s
    return FanoutRun(frames, streams, tower_cores, subscriber_cores)


def pool_workers() -> list[int]:
    """The process ids of this process's children other than the bench's own: the pool's."""
    ours = {"ts-sender", "subscribers", "stalled-subscriber"}
    return [p.pid for p in multiprocessing.active_children() if p.name not in ours and p.pid]


def cpu_s(pid: int) -> float:
    """A process's CPU time (user and system) so far, from Linux's /proc/PID/stat; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib() -> float:
    """This process's resident memory (Linux: VmRSS), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


class Sampler:
    """RSS every `every_s` in a thread, with the time since the start."""

    def __init__(self, every_s: float) -> None:
        self.samples: list[tuple[float, float]] = []
        self._every_s = every_s
        self._stop = threading.Event()
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self._began, rss_mib()))
            if self._stop.wait(self._every_s):
                return

    def stop(self) -> Sequence[tuple[float, float]]:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic() - self._began, rss_mib()))
        return self.samples
