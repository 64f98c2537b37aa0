"""The tower benchmark's building blocks, small (bench/tower.py runs them large): the paced
UDP sender, video flights through a real tower to real gRPC subscribers, the fan-out to a
handful of subscribers, and a stalled subscriber beside a reading one. No timed assertions:
what is checked is that each piece does what the benchmark counts on."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from bench.subscribers import StalledSubscriber, Subscribers, percentiles_ms
from bench.tower_rig import (
    Clip,
    SyntheticFlight,
    Tower,
    render_clip,
    rss_mib,
    run_fanout,
    run_flights,
    running_tower,
)
from bench.ts_sender import PACKETS_PER_DATAGRAM, TS_BYTES, merged, schedule
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc

CLIP_S = 2.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    return render_clip(tmp_path_factory.mktemp("clip"), CLIP_S)


@pytest.fixture(scope="module")
def tower() -> Iterator[Tower]:
    with running_tower({"DRONE_AI_DETECTOR": "none", "DRONE_AI_DETECT_WORKERS": "1"}) as running:
        yield running


def test_the_schedule_spans_the_stream_at_its_own_clock_and_keeps_every_byte(clip: Clip) -> None:
    ts = clip.path.read_bytes()
    plan = schedule(ts)
    assert b"".join(plan.datagrams) == ts
    assert all(len(d) == PACKETS_PER_DATAGRAM * TS_BYTES for d in plan.datagrams[:-1])
    assert list(plan.offsets_s) == sorted(plan.offsets_s)
    # The PCR runs with the video: the stream lasts about as long as its frames do.
    assert plan.duration_s == pytest.approx(clip.duration_s, abs=0.2)


def test_merged_flights_each_get_the_whole_stream_shifted_by_their_stagger(clip: Clip) -> None:
    plan = schedule(clip.path.read_bytes())
    sent = list(merged(plan, [1001, 1002, 1003], stagger_s=0.01))
    assert [t for t, _, _ in sent] == sorted(t for t, _, _ in sent)
    for k, port in enumerate([1001, 1002, 1003]):
        mine = [(t, data) for t, p, data in sent if p == port]
        assert [data for _, data in mine] == list(plan.datagrams)
        assert [t for t, _ in mine] == pytest.approx([o + 0.01 * k for o in plan.offsets_s])


@pytest.mark.parametrize(
    ("ts", "says"),
    [
        pytest.param(b"\x47" + bytes(186), "whole 188-byte packets", id="cut-short"),
        pytest.param(bytes(188 * 4), "sync byte", id="no-sync-byte"),
        pytest.param(b"\x47\x1f\xff\x10" + bytes(184), "two PCRs", id="no-clock"),
    ],
)
def test_a_stream_that_cannot_be_paced_is_refused_saying_why(ts: bytes, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        schedule(ts)


@pytest.mark.slow
def test_paced_flights_over_udp_reach_their_subscribers_with_sane_latencies(
    tower: Tower, clip: Clip
) -> None:
    run = run_flights(tower, clip, 2, warmup_frames=15, tag="paced")
    assert len(run.streams) == 2
    assert {s.flight_id for s in run.streams} == {"paced-0", "paced-1"}
    for stream in run.streams:
        assert stream.ended == "window ended"
        assert 0 < stream.frames <= run.expected_per_flight
        # The tower stamps a frame before it logs it, and logs it before a subscriber reads it.
        pairs = zip(stream.logged_us, stream.latencies_us, strict=True)
        assert all(0 <= logged <= seen for logged, seen in pairs)
    p50_ms, p99_ms = percentiles_ms(run.latencies_us)
    assert 0.0 < p50_ms <= p99_ms < 60_000.0


def test_every_one_of_a_handful_of_subscribers_gets_every_event(tower: Tower) -> None:
    run = run_fanout(tower, 6, 1.0, "handful", processes=2, streams_per_channel=2)
    assert len(run.streams) == 6
    assert run.whole, [(s.frames, s.gaps, s.ended) for s in run.streams]
    assert all(latency > 0 for latency in run.latencies_us)
    assert run.tower_cores > 0.0 and run.subscriber_cores > 0.0


def test_a_stalled_subscriber_does_not_keep_events_from_a_reading_one(tower: Tower) -> None:
    flight = SyntheticFlight(tower, "stalled")
    events = 150  # ~260 KB with 20 detections each: beyond a stream's flow-control window
    reader = Subscribers(tower.address, ["stalled"], window=flight.window(events + 1))
    stalled = StalledSubscriber(tower.address, "stalled")
    try:
        reader.start()
        flight.drive(events, detections=20, rate_hz=300.0)
        flight.drive(1)
        (stream,) = reader.results()
    finally:
        stalled.close()
        reader.kill()
    assert stream.frames == events + 1
    assert stream.gaps == 0
    assert rss_mib() > 0.0


def test_a_server_built_for_two_streams_refuses_a_third_as_resource_exhausted() -> None:
    with running_tower({"DRONE_AI_DETECTOR": "none"}, max_streams=2) as small:
        SyntheticFlight(small, "two")
        with grpc.insecure_channel(small.address) as channel:
            stub = pb_grpc.TowerStub(channel)
            request = pb.SubscribeRequest(flight_ids=["two"])
            held = [stub.Subscribe(request) for _ in range(2)]
            for call in held:
                assert next(call).HasField("status")
            with pytest.raises(grpc.RpcError) as refused:
                next(stub.Subscribe(request))
            assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            for call in held:
                call.cancel()
