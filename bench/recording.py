"""Recording and replay (issue 8), on this machine: `python -m bench.recording [--quick]`.

Measured:
1. the writer: RecordingWriter (drone_ai/adapters/recording/writer.py) appending chunks of
   1316 bytes (a UDP datagram of 7 TS packets, what a live MPEG-TS input records) and of
   64 KiB to a new recording in a temporary folder, one segment, best of N runs by wall time,
   with the CPU time (user + system) of this process beside it; then `finish()`: the segment
   closed (ftruncate, fsync of data and index, renames, fsync of the folder) and the manifest
   rewritten "complete", timed alone.
2. recording's CPU in a 720p30 flight: the same pre-rendered 1280x720 30 fps MPEG-TS flight
   streamed over UDP in real time (bench/ts_sender.py: paced by its PCR, 1316-byte datagrams)
   into the tower running in this process (bench/tower_rig.py, the `none` detector so that
   detection does not drown the figure), with StartFlight record off and on, alternating in
   this one invocation. The figure is the tower process's CPU seconds per second while the
   sender runs; its difference, on less off, is recording's share of one core (target < 5%).
   Record on also swaps FFmpeg's own udp:// reader for the tower's (ts_input.UdpTsReader,
   which hands each datagram to the writer), so the difference holds that swap too. The direct
   estimate beside it: the writer's CPU per 1316-byte datagram (1.) times the clip's datagrams
   per second.
3. replay as fast as possible: the last recording made in 2. played again with ReplayFlight
   speed 0, re-analysed (input through the pipeline, `none` and `motion` detectors: frames
   decoded per second and that as a multiple of the recording's 30 fps) and as results (its
   logged events re-emitted: events per second); and RecordedInput alone (the recorded input
   read back as replay reads it, each segment checked against its manifest: MB/s).
4. an MJPEG+KLV flight's recording: the simulator's 1280x720 30 fps JPEGs and 25 Hz KLV
   packets of a clip as long as 2.'s (`drone-ai simulate` files), each JPEG put in the recorded
   part form (mjpeg.recorded_part) and written with each KLV datagram, in received order, as
   the taps do in a live flight: CPU per part and per datagram, and their share of one core
   at the clip's rates (the tap's and writer's own cost: no camera server around them); then
   that recording re-analysed as fast as possible through the tower (`none` detector: JPEG
   decoding is the work), best of N.
Everything shares this machine's cores (`nproc` below) with the sender and the pool.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.tower_rig import Clip, Tower, render_clip, running_tower, udp_uri, wait_landed
from bench.ts_sender import PACKETS_PER_DATAGRAM, TS_BYTES, Sender, free_udp_port, wait_bound
from domain.flight_events import FlightState
from domain.recording import RecordingSource, RecordingStream, SegmentLimits, SourceKind
from drone_ai import bootstrap
from drone_ai.adapters.recording.manifest import MANIFEST_NAME
from drone_ai.adapters.recording.replay import RecordedInput
from drone_ai.adapters.recording.writer import RecordingWriter
from drone_ai.adapters.video.mjpeg import recorded_part
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.services.flights import FlightRecord

DATAGRAM_BYTES = PACKETS_PER_DATAGRAM * TS_BYTES  # 1316
CPU_TARGET = 0.05  # of one core, per flight (issue 8)
ONE_SEGMENT = SegmentLimits(max_span_us=2**62, max_bytes=2**40)
CLIP_START_US = 1_700_000_000_000_000
REANALYSE = pb.REPLAY_MODE_REANALYSE
RESULTS = pb.REPLAY_MODE_RESULTS


@dataclass(frozen=True, slots=True)
class Plan:
    write_mib: int  # per writer run
    write_runs: int
    clip_s: float
    rounds: int  # record off + record on, each round
    replay_runs: int


FULL = Plan(write_mib=32, write_runs=5, clip_s=15.0, rounds=3, replay_runs=3)
QUICK = Plan(write_mib=8, write_runs=3, clip_s=8.0, rounds=2, replay_runs=2)


@dataclass(frozen=True, slots=True)
class WriteRun:
    chunks: int
    data_bytes: int
    wall_s: float
    cpu_s: float
    finish_wall_s: float
    finish_cpu_s: float

    @property
    def mb_s(self) -> float:
        return self.data_bytes / self.wall_s / 1e6

    @property
    def wall_us_per_chunk(self) -> float:
        return self.wall_s / self.chunks * 1e6

    @property
    def cpu_us_per_chunk(self) -> float:
        return self.cpu_s / self.chunks * 1e6


def write_run(root: Path, chunk_bytes: int, total_bytes: int, tag: str) -> WriteRun:
    """`total_bytes` (rounded up to whole chunks) written through a new RecordingWriter as
    chunks of `chunk_bytes` received 1 ms apart, into one segment; then finished."""
    chunk = bytes(range(256)) * (chunk_bytes // 256) + bytes(chunk_bytes % 256)
    count = -(-total_bytes // chunk_bytes)
    clock = iter(range(CLIP_START_US, CLIP_START_US + 10**12, 1000))
    source = RecordingSource.of(SourceKind.MPEGTS, "udp://127.0.0.1:5600", "")
    writer = RecordingWriter.start(root, tag, source, lambda: next(clock), ONE_SEGMENT)
    write = writer.write
    stream = RecordingStream.INPUT
    began_s, cpu_began_s = time.perf_counter(), time.process_time()
    for k in range(count):
        write(stream, CLIP_START_US + 1000 * k, chunk)
    wrote_s, cpu_wrote_s = time.perf_counter(), time.process_time()
    writer.finish()
    ended_s, cpu_ended_s = time.perf_counter(), time.process_time()
    return WriteRun(
        count,
        count * chunk_bytes,
        wrote_s - began_s,
        cpu_wrote_s - cpu_began_s,
        ended_s - wrote_s,
        cpu_ended_s - cpu_wrote_s,
    )


def best_write(root: Path, chunk_bytes: int, total_bytes: int, runs: int) -> WriteRun:
    """The fastest of `runs` write runs by wall time; each writes a recording of its own."""
    done = [write_run(root, chunk_bytes, total_bytes, f"w{chunk_bytes}-{k}") for k in range(runs)]
    return min(done, key=lambda run: run.wall_s)


@dataclass(frozen=True, slots=True)
class FlightCpu:
    flight_id: str
    record: bool
    tower_cores: float  # the tower process's CPU seconds per second while the sender ran
    sender_late_s: float
    frames_received: int


def flight_cpu(tower: Tower, clip: Clip, record: bool, flight_id: str) -> FlightCpu:
    """One flight of `clip` over UDP in real time, record on or off; the tower's CPU."""
    port = free_udp_port()
    sender = Sender(clip.path, [port])
    try:
        sender.wait_ready()
        wait_landed(tower, deadline_s=60.0)
        tower.stub.StartFlight(
            pb.StartFlightRequest(flight_id=flight_id, video_uri=udp_uri(port), record=record)
        )
        if not wait_bound([port], 10.0):
            raise RuntimeError(f"the tower did not open its UDP input {port} within 10 s")
        cpu_began_s, began_s = time.process_time(), time.monotonic()
        sender.start()
        late_s = sender.join(clip.duration_s + 60.0)
        cores = (time.process_time() - cpu_began_s) / (time.monotonic() - began_s)
    finally:
        sender.stop()
    received = settled(tower, flight_id)
    # A live UDP input heals (waits for its peer to come back) until it is told to stop.
    tower.control.stop(flight_id, wait_s=30.0)
    ended(tower, flight_id, deadline_s=30.0)
    return FlightCpu(flight_id, record, cores, late_s, received)


def settled(tower: Tower, flight_id: str, quiet_s: float = 1.0) -> int:
    """The flight's frames received, once no more have come for `quiet_s` (the tail of the
    stream is through the demuxer)."""
    flight = tower.control.flights.get(flight_id)
    if flight is None or flight.counters is None:
        raise RuntimeError(f"flight {flight_id!r}: a flight the tower runs expected")
    seen = -1
    while (now := flight.counters.snapshot().frames_received) != seen:
        seen = now
        time.sleep(quiet_s)
    return seen


def ended(tower: Tower, flight_id: str, deadline_s: float) -> FlightRecord:
    """The flight once it has stopped or failed (RuntimeError if it has not by the deadline)."""
    end_s = time.monotonic() + deadline_s
    while True:
        flight = tower.control.flights.get(flight_id)
        if flight is not None and flight.state not in (FlightState.STARTING, FlightState.LIVE):
            return flight
        if time.monotonic() > end_s:
            raise RuntimeError(f"flight {flight_id!r} still running after {deadline_s:.0f} s")
        time.sleep(0.001)


def recording_of(tower: Tower, flight_id: str) -> str:
    """The one recording of `flight_id` under the tower's recordings folder, as
    "<flight_id>/<recording_id>"."""
    folders = sorted(
        f.parent for f in (tower.settings.recording_dir / flight_id).glob(f"*/{MANIFEST_NAME}")
    )
    if len(folders) != 1:
        raise RuntimeError(f"flight {flight_id!r}: one recording expected, found {len(folders)}")
    return f"{flight_id}/{folders[0].name}"


@dataclass(frozen=True, slots=True)
class ReplayRun:
    mode: str
    wall_s: float
    frames_received: int  # re-analyse: frames decoded from the recording
    frames_processed: int
    events: int  # the events the replayed flight logged
    state: FlightState

    @property
    def fps(self) -> float:
        return self.frames_received / self.wall_s

    @property
    def events_s(self) -> float:
        return self.events / self.wall_s


def replay_run(tower: Tower, recording: str, mode: pb.ReplayMode, flight_id: str) -> ReplayRun:
    """`recording` replayed as fast as it goes (speed 0) in `mode`, timed from the call to
    the replayed flight's end."""
    wait_landed(tower, deadline_s=60.0)
    began_s = time.monotonic()
    tower.stub.ReplayFlight(
        pb.ReplayFlightRequest(recording_id=recording, flight_id=flight_id, speed=0.0, mode=mode)
    )
    flight = ended(tower, flight_id, deadline_s=600.0)
    wall_s = time.monotonic() - began_s
    stats = flight.counters.snapshot() if flight.counters else None
    return ReplayRun(
        pb.ReplayMode.Name(mode),
        wall_s,
        stats.frames_received if stats else 0,
        stats.frames_processed if stats else 0,
        flight.log.last_sequence,  # sequence numbers count from 1, none evicted
        flight.state,
    )


def read_input(folder: Path) -> tuple[int, float]:
    """The recorded input read back front to back as replay's RecordedInput reads it, not
    paced: (bytes, seconds)."""
    began_s = time.perf_counter()
    total = 0
    reader = RecordedInput(folder, 0.0, threading.Event())
    try:
        while data := reader.read():
            total += len(data)
    finally:
        reader.close()
    return total, time.perf_counter() - began_s


def filesystem(path: Path) -> str:
    """The type of the filesystem holding `path` (Linux's /proc/mounts), for the record."""
    best, kind = "", "?"
    resolved = str(path.resolve())
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and resolved.startswith(fields[1]) and len(fields[1]) > len(best):
            best, kind = fields[1], fields[2]
    return kind


def writer_section(root: Path, plan: Plan) -> WriteRun:
    total = plan.write_mib * 2**20
    print(
        f"1. writer: {plan.write_mib} MiB per run into one segment under {root} "
        f"({filesystem(root)}), best of {plan.write_runs} by wall time:"
    )
    small = best_write(root, DATAGRAM_BYTES, total, plan.write_runs)
    large = best_write(root, 64 * 1024, total, plan.write_runs)
    for size, run in ((DATAGRAM_BYTES, small), (64 * 1024, large)):
        print(
            f"  {size:>6}-byte chunks: {run.mb_s:7.1f} MB/s, {run.wall_us_per_chunk:7.2f} us "
            f"wall / {run.cpu_us_per_chunk:7.2f} us CPU per chunk ({run.chunks} chunks); "
            f"finish (close, fsync {run.data_bytes / 2**20:.0f} MiB + index, manifest): "
            f"{run.finish_wall_s * 1e3:.1f} ms wall, {run.finish_cpu_s * 1e3:.1f} ms CPU",
            flush=True,
        )
    return small


def flights_section(folder: Path, clip: Clip, plan: Plan, small: WriteRun) -> str:
    bytes_s = clip.path.stat().st_size / clip.duration_s
    datagrams_s = bytes_s / DATAGRAM_BYTES
    print(
        f"2. CPU of recording in a 720p30 flight: {clip.duration_s:.1f} s clip, "
        f"{bytes_s * 8 / 1e6:.2f} Mbit/s, {datagrams_s:.0f} datagrams/s; {plan.rounds} rounds "
        "of record off and on (order alternating), none detector, 1 pool worker:"
    )
    env = {
        "DRONE_AI_DETECTOR": "none",
        "DRONE_AI_DETECT_WORKERS": "1",
        "DRONE_AI_RECORDING_DIR": str(folder / "recordings"),
    }
    runs: list[FlightCpu] = []
    with running_tower(env) as tower:
        flight_cpu(tower, clip, False, "warmup")  # first-use costs (PyAV, gRPC threads)
        for k in range(plan.rounds):
            order = (False, True) if k % 2 == 0 else (True, False)
            for record in order:
                run = flight_cpu(tower, clip, record, f"{'on' if record else 'off'}-{k}")
                runs.append(run)
                print(
                    f"  record {'on ' if record else 'off'}: tower process "
                    f"{run.tower_cores * 100:5.1f}% of a core, {run.frames_received} frames, "
                    f"sender late <= {run.sender_late_s * 1e3:.0f} ms",
                    flush=True,
                )
        recording = recording_of(
            tower, runs[-1].flight_id if runs[-1].record else runs[-2].flight_id
        )
    off = statistics.median([r.tower_cores for r in runs if not r.record])
    on = statistics.median([r.tower_cores for r in runs if r.record])
    direct = small.cpu_s / small.chunks * datagrams_s
    # Each round's off and on ran back to back: their differences show the machine's noise.
    pairs = [
        runs[k + 1].tower_cores - runs[k].tower_cores
        if runs[k + 1].record
        else runs[k].tower_cores - runs[k + 1].tower_cores
        for k in range(0, len(runs), 2)
    ]
    verdict = "meets" if on - off < CPU_TARGET else "MISSES"
    print(
        f"  median: off {off * 100:.1f}%, on {on * 100:.1f}% of a core: recording costs "
        f"{(on - off) * 100:+.2f}% of one core per flight (target < {CPU_TARGET:.0%}: {verdict}; "
        f"on less off by round: {', '.join(f'{d * 100:+.1f}%' for d in pairs)}); "
        f"direct estimate: {small.cpu_us_per_chunk:.1f} us CPU per datagram x "
        f"{datagrams_s:.0f}/s = {direct * 100:.2f}% of one core"
    )
    return recording


def replay_section(folder: Path, recording: str, clip: Clip, plan: Plan) -> None:
    root = folder / "recordings"
    fps = (len(clip.frame_times_us) - 1) / clip.duration_s
    print(f"3. replay of {recording}, speed 0 (as fast as possible), best of {plan.replay_runs}:")
    for detector, modes in (("none", (REANALYSE, RESULTS)), ("motion", (REANALYSE,))):
        env = {
            "DRONE_AI_DETECTOR": detector,
            "DRONE_AI_DETECT_WORKERS": "1",
            "DRONE_AI_RECORDING_DIR": str(root),
        }
        with running_tower(env) as tower:
            for mode in modes:
                name = pb.ReplayMode.Name(mode).removeprefix("REPLAY_MODE_").lower()
                runs = [
                    replay_run(tower, recording, mode, f"replay-{detector}-{name}-{k}")
                    for k in range(plan.replay_runs)
                ]
                run = min(runs, key=lambda r: r.wall_s)
                rate = (
                    f"{run.events_s:6.0f} events/s"
                    if mode == RESULTS
                    else f"{run.fps:6.1f} frames/s (x{run.fps / fps:.1f} real time)"
                )
                print(
                    f"  {name:>9}, {detector} detector: {rate}: {run.frames_received} frames "
                    f"decoded, {run.frames_processed} detected, {run.events} events in "
                    f"{run.wall_s:.2f} s; ended {run.state.value}",
                    flush=True,
                )
    reads = [read_input(root / recording) for _ in range(plan.replay_runs)]
    size, seconds = min(reads, key=lambda r: r[1])
    print(
        f"  RecordedInput alone: {size / seconds / 1e6:.0f} MB/s ({size / 2**20:.1f} MiB in "
        f"{seconds * 1e3:.0f} ms, checksums included)"
    )


@dataclass(frozen=True, slots=True)
class MjpegRecording:
    folder: Path
    parts: int
    part_bytes: int  # the JPEGs' bytes, all together
    datagrams: int
    span_s: float  # from the first frame to the last
    video_cpu_s: float  # putting every part in its recorded form and writing it
    telemetry_cpu_s: float  # writing every datagram

    @property
    def cores(self) -> float:
        """The recording's share of one core at the clip's own rates."""
        return (self.video_cpu_s + self.telemetry_cpu_s) / self.span_s


def mjpeg_recording(folder: Path, seconds: float) -> MjpegRecording:
    """The simulator's MJPEG+KLV files for `seconds` recorded as the live taps record them:
    JPEG parts and KLV datagrams in received (here: capture) order, timed apart."""
    files = folder / "mjpeg-files"
    bootstrap.simulate_to_path(None, files, duration_s=seconds)
    frame_times = [json.loads(line)["t_us"] for line in _lines(files / "frames.jsonl")]
    jpegs = [path.read_bytes() for path in sorted((files / "frames").glob("*.jpg"))]
    klv = (files / "klv.bin").read_bytes()
    packets = [
        (r["t_us"], klv[r["offset"] : r["offset"] + r["size"]])
        for r in (json.loads(line) for line in _lines(files / "klv.jsonl"))
    ]
    video, telemetry = RecordingStream.VIDEO, RecordingStream.TELEMETRY
    received = sorted(
        [(t_us, video, jpeg) for t_us, jpeg in zip(frame_times, jpegs, strict=True)]
        + [(t_us, telemetry, packet) for t_us, packet in packets],
        key=lambda item: item[0],
    )
    source = RecordingSource.of(SourceKind.MJPEG_KLV, "http://127.0.0.1:8080/video", "udp://:6000")
    limits = SegmentLimits(max_span_us=10_000_000, max_bytes=64 * 2**20)
    writer = RecordingWriter.start(
        folder / "recordings", "mjpeg", source, lambda: frame_times[0], limits
    )
    cpu_s = {video: 0.0, telemetry: 0.0}
    for t_us, stream, data in received:
        began_s = time.process_time()
        if stream is video:
            writer.write(stream, t_us, recorded_part({"x-capture-time-us": str(t_us)}, data))
        else:
            writer.write(stream, t_us, data)
        cpu_s[stream] += time.process_time() - began_s
    writer.finish()
    return MjpegRecording(
        writer.folder,
        len(jpegs),
        sum(map(len, jpegs)),
        len(packets),
        (frame_times[-1] - frame_times[0]) / 1e6,
        cpu_s[video],
        cpu_s[telemetry],
    )


def mjpeg_section(folder: Path, plan: Plan) -> None:
    made = mjpeg_recording(folder, plan.clip_s)
    print(
        f"4. MJPEG+KLV recording: {made.parts} JPEGs of 1280x720 "
        f"({made.part_bytes / made.parts / 1e3:.0f} kB each) and {made.datagrams} KLV datagrams "
        f"over {made.span_s:.1f} s: {made.video_cpu_s / made.parts * 1e6:.0f} us CPU per part "
        f"(its recorded form and the write), {made.telemetry_cpu_s / made.datagrams * 1e6:.1f} "
        f"us per datagram: {made.cores * 100:.2f}% of one core at the clip's rates "
        f"(target < {CPU_TARGET:.0%})",
        flush=True,
    )
    env = {"DRONE_AI_DETECTOR": "none", "DRONE_AI_DETECT_WORKERS": "1"}
    with running_tower(env | {"DRONE_AI_RECORDING_DIR": str(folder / "recordings")}) as tower:
        runs = [
            replay_run(tower, str(made.folder), REANALYSE, f"replay-mjpeg-{k}")
            for k in range(plan.replay_runs)
        ]
    run = min(runs, key=lambda r: r.wall_s)
    fps = (made.parts - 1) / made.span_s
    print(
        f"  re-analysed, none detector, speed 0: {run.fps:.1f} frames/s (x{run.fps / fps:.1f} "
        f"real time): {run.frames_received} frames decoded, {run.events} events in "
        f"{run.wall_s:.2f} s; ended {run.state.value}",
        flush=True,
    )


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recording", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smaller and fewer runs")
    plan = QUICK if parser.parse_args(argv).quick else FULL
    print(__doc__.strip())
    print(f"nproc: {len(os.sched_getaffinity(0))}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small = writer_section(folder / "writes", plan)
        clip = render_clip(folder, plan.clip_s)
        print(f"(clip rendered: {time.monotonic() - began:.0f} s so far)")
        recording = flights_section(folder, clip, plan, small)
        print(f"({time.monotonic() - began:.0f} s so far)")
        replay_section(folder, recording, clip, plan)
        print(f"({time.monotonic() - began:.0f} s so far)")
        mjpeg_section(folder, plan)
    print(f"({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
