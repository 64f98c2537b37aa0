"""The control tower as a service, on this machine: `python -m bench.tower [--quick]`.

The tower runs in this process as `drone-ai serve` does (detection pool, flight control, gRPC
on 127.0.0.1); its inputs and partners are other processes (bench/tower_rig.py). Measured:
1. flights: N simulated 1280x720 30 fps flights (MPEG-TS with KLV, pre-rendered) streamed
   over UDP in real time, paced by the stream's PCR, one subscriber per flight. A flight is
   sustained when its subscriber gets at least 98% of its frames (the first second, which
   arrives in a burst while FFmpeg probes the stream, and the last 0.3 s are not counted) and
   the p99 frame-to-subscriber latency is under 250 ms. Latency = the subscriber's wall clock
   on reading a frame event less the frame's received_us (the tower's wall clock when the
   frame came out of the demuxer), same host. With the `none` detector (finds nothing)
   detection costs ~0: that is the latency excluding detector time. Printed beside it: the
   part spent in the tower (received to logged: telemetry sync, pool hand-over, tracking,
   georeferencing); and the CPU the tower's process and its pool's workers spent.
2. fan-out: N gRPC subscribers (2 processes, a channel per 50 streams) on one flight whose
   log the bench writes at 30 frame events/s (5 located detections each); latency = read
   time less the append time. Sustained: every stream gets every event, p99 under 100 ms.
3. a stalled subscriber: subscriber A's latency on such a flight alone, beside a subscriber
   B that reads (what any second subscriber costs), beside B stalled (it opened a stream and
   stopped reading), and alone again (the noise); then the tower's RSS while events pour in
   at 300/s (20 detections each) past a small log bound with B still stalled.
Everything shares this machine's cores (`nproc` below) with the tower: the senders and
subscribers too, so the figures are what one box does with its own clients. A step of a
ladder that fails is run once more before the ladder stops (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.subscribers import StalledSubscriber, Subscribers, percentiles_ms
from bench.tower_rig import (
    Clip,
    FlightsRun,
    Sampler,
    SyntheticFlight,
    frame_event,
    render_clip,
    rss_mib,
    run_fanout,
    run_flights,
    running_tower,
)
from domain.event_log import Sequenced
from drone_ai.entrypoints.grpc import mappers

DELIVERED_MIN = 0.98
FLIGHT_P99_MS = 250.0
FANOUT_P99_MS = 100.0
FANOUT_TARGET = 200
FANOUT_STREAMS_MAX = 1024  # the server's stream limit for the fan-out runs
TRIES = 2  # a step that fails is tried once more before the ladder stops: the machine is shared


@dataclass(frozen=True, slots=True)
class Plan:
    clip_s: float
    warmup_frames: int
    none_ladder: tuple[int, ...]
    motion_ladder: tuple[int, ...]
    fanout_ladder: tuple[int, ...]
    fanout_s: float
    stall_phase_s: float
    flood_s: float


FULL = Plan(
    8.0,
    30,
    (1, 2, 4, 5, 6, 8, 12, 16),
    (1, 2, 3, 4, 6, 8),
    (50, 100, 150, 200, 300, 400, 600, 800),
    5.0,
    8.0,
    30.0,
)
QUICK = Plan(5.0, 30, (1, 2, 4, 8), (1, 2, 4), (50, 100, 150, 200), 3.0, 5.0, 15.0)


def sustained(run: FlightsRun) -> bool:
    each = all(s.frames >= DELIVERED_MIN * run.expected_per_flight for s in run.streams)
    return each and percentiles_ms(run.latencies_us)[1] < FLIGHT_P99_MS


def describe(run: FlightsRun) -> str:
    p50, p99 = percentiles_ms(run.latencies_us)
    in50, in99 = percentiles_ms([t for s in run.streams for t in s.logged_us])
    ended = sorted({s.ended for s in run.streams} - {"window ended"})
    return (
        f"{run.flights:>2} flights: {run.delivered:6.1%} of {run.expected_per_flight * run.flights}"
        f" frames delivered, slowest flight {run.min_fps:4.1f} fps; latency p50 {p50:5.1f} / "
        f"p99 {p99:6.1f} ms (in the tower {in50:4.1f} / {in99:5.1f}); CPU: tower process "
        f"{run.tower_cores:.2f} cores, pool {run.worker_cores:.2f}; sender late <= "
        f"{run.sender_late_s * 1e3:.0f} ms: {'sustained' if sustained(run) else 'NOT sustained'}"
        + (f" [{'; '.join(e[:120] for e in ended)}]" if ended else "")
    )


def flights_ladder(
    clip: Clip, detector: str, ladder: Sequence[int], plan: Plan, keep: Sequence[int] = ()
) -> tuple[int, dict[int, FlightsRun]]:
    """Steps up the ladder while flights are sustained (and through `keep` regardless);
    the most sustained, and each step's run."""
    best = 0
    runs: dict[int, FlightsRun] = {}
    with running_tower({"DRONE_AI_DETECTOR": detector}) as tower:
        workers = tower.settings.detect_workers or max(1, len(os.sched_getaffinity(0)) - 1)
        print(f"{detector} detector, {workers} pool worker(s):")
        run_flights(tower, clip, 1, plan.warmup_frames, f"{detector}-warmup")  # first-use costs
        failed = False
        for count in ladder:
            if failed and count not in keep:
                continue
            for attempt in range(1 if failed else TRIES):
                run = runs[count] = run_flights(
                    tower, clip, count, plan.warmup_frames, f"{detector}-{count}-{attempt}"
                )
                print("  " + describe(run), flush=True)
                if sustained(run):
                    break
            failed = failed or not sustained(run)
    for count in sorted(runs):
        if not sustained(runs[count]):
            break
        best = count
    return best, runs


def fanout_ladder(plan: Plan) -> int:
    print(
        f"fan-out: one flight at 30 events/s, {plan.fanout_s:g} s per step, subscribers over "
        f"gRPC from 2 processes (server stream limit raised to {FANOUT_STREAMS_MAX}):"
    )
    best = 0
    with running_tower({"DRONE_AI_DETECTOR": "none"}, FANOUT_STREAMS_MAX) as tower:
        run_fanout(tower, 10, 1.0, "fanout-warmup")
        for count in plan.fanout_ladder:
            for attempt in range(TRIES):
                time.sleep(1.0)  # the last streams' threads go back to the server's pool
                run = run_fanout(tower, count, plan.fanout_s, f"fanout-{count}-{attempt}")
                got = sum(s.frames for s in run.streams)
                p50, p99 = percentiles_ms(run.latencies_us)
                ok = run.whole and p99 < FANOUT_P99_MS
                errors = sorted({s.ended[:120] for s in run.streams} - {"window ended"})
                print(
                    f"  {count:>4} subscribers: {got}/{run.events * count} events, latency p50 "
                    f"{p50:5.1f} / p99 {p99:6.1f} ms; CPU: tower {run.tower_cores:.2f} cores, "
                    f"subscribers {run.subscriber_cores:.2f}: "
                    f"{'sustained' if ok else 'NOT sustained'}"
                    + (f" [{'; '.join(errors)}]" if errors else ""),
                    flush=True,
                )
                if ok:
                    break
            if not ok:
                break
            best = count
    return best


def stall(plan: Plan) -> None:
    max_events, max_age_s = 600, 2.0
    env = {
        "DRONE_AI_DETECTOR": "none",
        "DRONE_AI_EVENT_LOG_MAX_EVENTS": str(max_events),
        "DRONE_AI_EVENT_LOG_MAX_AGE_S": str(max_age_s),
    }
    phase = round(plan.stall_phase_s * 30)
    settle = 60  # 2 s: B's flow-control window fills and the tower's send to it stops
    flood_rate = 300
    flood = round(plan.flood_s * flood_rate)
    print(
        f"stalled subscriber: one flight at 30 events/s, subscriber A reading: {phase} events "
        f"alone; {phase} with another subscriber B reading (the cost of a second subscriber); "
        f"B stalled (opens a stream, never reads): {settle} events to settle, {phase} measured; "
        f"{flood} events at {flood_rate}/s (20 detections each) with B still stalled and the log "
        f"bounded at {max_events} events / {max_age_s:g} s; B closed, {settle} + {phase} events "
        f"with A alone again:"
    )
    with running_tower(env) as tower:
        flight = SyntheticFlight(tower, "stall")
        # Frame indices where each stage starts, in order.
        stages = [phase, phase, settle, phase, flood, settle, phase]
        starts = [sum(stages[:k]) for k in range(len(stages) + 1)]
        deadline_s = plan.flood_s + 10 * plan.stall_phase_s + 120
        reader = Subscribers(
            tower.address, ["stall"], window=flight.window(starts[-1]), deadline_s=deadline_s
        )
        other = Subscribers(tower.address, ["stall"], deadline_s=deadline_s)
        try:
            reader.start()
            flight.drive(phase)
            other.start()
            flight.drive(phase)
            other.kill()
            stalled = StalledSubscriber(tower.address, "stall")
            try:
                flight.drive(settle + phase)
                before_mib = rss_mib()
                sampler = Sampler(plan.flood_s / 6)
                flight.drive(flood, detections=20, rate_hz=flood_rate)
                samples = sampler.stop()
            finally:
                stalled.close()
            flight.drive(settle + phase)
            flight.end()
            (a,) = reader.results()
        finally:
            reader.kill()
            other.kill()
        size = mappers.flight_event("stall", Sequenced(1, 0, frame_event(0, 20))).ByteSize()

    def stage(k: int) -> list[int]:
        lo, hi = flight.frame_time_us(starts[k]), flight.frame_time_us(starts[k + 1] - 1)
        pairs = zip(a.frame_times_us, a.latencies_us, strict=True)
        return [latency for t, latency in pairs if lo <= t <= hi]

    alone, reading, stalled_b, after = (percentiles_ms(stage(k)) for k in (0, 1, 3, 6))

    def ms(p50_p99: tuple[float, float]) -> str:
        return f"{p50_p99[0]:.2f} / {p50_p99[1]:.2f} ms"

    print(
        f"  A's latency p50 / p99: alone {ms(alone)}; B reading {ms(reading)}; B stalled "
        f"{ms(stalled_b)} (x{stalled_b[0] / reading[0]:.2f} / x{stalled_b[1] / reading[1]:.2f} "
        f"of B reading, x{stalled_b[0] / alone[0]:.2f} / x{stalled_b[1] / alone[1]:.2f} of "
        f"alone); alone again {ms(after)} (x{after[0] / alone[0]:.2f} / "
        f"x{after[1] / alone[1]:.2f} of alone: the noise)"
    )
    points = ", ".join(f"{t:.0f} s {m:.1f}" for t, m in samples)
    half = samples[len(samples) // 2][1]
    print(
        f"  tower RSS (MiB) through the flood: {points}; growth {samples[-1][1] - before_mib:+.1f}"
        f" MiB in all, {samples[-1][1] - half:+.1f} over its second half. Kept whole, its {flood}"
        f" events would be {flood * size / 2**20:.0f} MiB as messages ({size} B each). A read "
        f"{len(stage(4))}/{flood} of them ({a.gaps} gaps; A ended: {a.ended})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tower", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs and ladders")
    plan = QUICK if parser.parse_args(argv).quick else FULL
    print(__doc__.strip())
    print(f"nproc: {len(os.sched_getaffinity(0))}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        clip = render_clip(Path(folder), plan.clip_s)
        print(
            f"clip: {len(clip.frame_times_us)} frames of 1280x720 at 30 fps, "
            f"{clip.path.stat().st_size / 2**20:.1f} MiB"
        )
        none_best, none_runs = flights_ladder(clip, "none", plan.none_ladder, plan, keep=(1, 8))
        motion_best, _ = flights_ladder(clip, "motion", plan.motion_ladder, plan)
    fan_best = fanout_ladder(plan)
    stall(plan)
    print("summary:")
    for count in (1, 8):
        run = none_runs.get(count)
        if run is not None:
            p50, p99 = percentiles_ms(run.latencies_us)
            print(
                f"  frame-to-subscriber latency, {count} flight(s), none detector (excluding "
                f"detector time): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                + ("" if sustained(run) else " (not sustained)")
            )
    print(
        f"  720p30 flights sustained: {motion_best} with the motion detector, {none_best} "
        f"with the none detector"
    )
    verdict = "meets" if fan_best >= FANOUT_TARGET else "MISSES"
    print(
        f"  subscribers on one flight at 30 events/s with p99 < {FANOUT_P99_MS:.0f} ms: {fan_best} "
        f"(target >= {FANOUT_TARGET}: {verdict}; the ladder stops at {plan.fanout_ladder[-1]})"
    )
    print(f"  ({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
