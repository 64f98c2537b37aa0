"""ST 0601 encode/decode: every item round-trips within its resolution, and whole packets and
samples do too."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import CODECS, KlvTelemetryDecoder
from drone_ai.adapters.klv.st0601 import ST0601, encode_packet
from drone_ai.adapters.klv.st0601_telemetry import (
    FIELD_BY_TAG,
    PREFERRED_FIELD_BY_TAG,
    encode_sample,
    sample_from_items,
)
from drone_ai.adapters.klv.stream import KlvStream
from drone_ai.errors import KlvError
from tests.klv_strategies import STRUCTURED_TOLERANCE, close, floats, local_sets, strategy_for

ENCODED_TAGS = sorted(set(ST0601.specs) - {1})  # the checksum is the packet's, not an item


def tolerance(tag: int) -> float:
    return ST0601.specs[tag].fmt.resolution or STRUCTURED_TOLERANCE


def test_every_item_of_the_table_has_a_value_strategy() -> None:
    for tag in ENCODED_TAGS:
        strategy_for(ST0601.specs[tag].fmt)


@pytest.mark.parametrize("tag", ENCODED_TAGS, ids=lambda tag: f"item{tag}")
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_each_item_decodes_to_what_was_encoded_within_its_resolution(
    tag: int, data: st.DataObject
) -> None:
    fmt = ST0601.specs[tag].fmt
    value = data.draw(strategy_for(fmt))
    decoded = fmt.decode(fmt.encode(value))
    assert close(value, decoded, tolerance(tag)), f"{value!r} -> {decoded!r}"


@settings(max_examples=150, deadline=None)
@given(items=local_sets(ST0601, skip=frozenset({1})))
def test_whole_packets_round_trip_through_the_stream_decoder(items: dict[int, object]) -> None:
    stream = KlvStream(CODECS, DecodeContext(DecodePolicy.STRICT))
    packets = stream.feed(encode_packet(items))
    assert len(packets) == 1
    decoded = packets[0].items
    assert decoded.keys() == items.keys()
    for tag, value in items.items():
        assert close(value, decoded[tag], tolerance(tag)), f"item {tag}"


def test_the_time_stamp_is_written_first_and_the_checksum_last() -> None:
    packet = encode_packet({5: 90.0, 2: 1_000_000, 1: 0xFFFF})
    assert packet[17:19] == b"\x02\x08"
    assert packet[-4:-2] == b"\x01\x02"


@pytest.mark.parametrize(
    ("tag", "value"),
    [
        pytest.param(5, 360.5, id="heading-above-360"),
        pytest.param(6, -20.01, id="pitch-below-range"),
        pytest.param(13, float("nan"), id="nan-latitude"),
        pytest.param(3, "x" * 128, id="text-too-long"),
        pytest.param(8, 256, id="airspeed-above-a-byte"),
        pytest.param(8, 1.5, id="airspeed-not-an-int"),
    ],
)
def test_values_the_item_cannot_carry_are_refused_by_the_encoder(tag: int, value: object) -> None:
    with pytest.raises(KlvError, match=f"item {tag} "):
        encode_packet({2: 0, tag: value})


# Each field within the coarsest resolution of the items that may carry it.
FIELD_TOLERANCE = {
    name: max(
        tolerance(tag)
        for tag, field in (FIELD_BY_TAG | PREFERRED_FIELD_BY_TAG).items()
        if field == name
    )
    for name in set(FIELD_BY_TAG.values())
    - {"mission_id", "platform_designation"}
    - {"platform_tail_number", "image_source_sensor"}
} | {"corners": tolerance(82)}

samples = st.builds(
    TelemetrySample,
    t_us=st.integers(min_value=0, max_value=2**63 - 1),
    standard=st.just(TelemetryStandard.ST0601),
    mission_id=st.none() | st.text(min_size=1, max_size=20).filter(str.isprintable),
    sensor_lat_deg=st.none() | floats(-90.0, 90.0),
    sensor_lon_deg=st.none() | floats(-180.0, 180.0),
    sensor_alt_msl_m=st.none() | floats(-900.0, 19_000.0),
    sensor_hae_m=st.none() | floats(-900.0, 40_000.0),
    platform_heading_deg=st.none() | floats(0.0, 360.0),
    platform_pitch_deg=st.none() | floats(-90.0, 90.0),
    platform_roll_deg=st.none() | floats(-90.0, 90.0),
    sensor_rel_az_deg=st.none() | floats(0.0, 360.0),
    sensor_rel_el_deg=st.none() | floats(-180.0, 180.0),
    sensor_rel_roll_deg=st.none() | floats(0.0, 360.0),
    hfov_deg=st.none() | floats(0.0, 180.0),
    vfov_deg=st.none() | floats(0.0, 180.0),
    slant_range_m=st.none() | floats(0.0, 5_000_000.0),
    target_width_m=st.none() | floats(0.0, 1_500_000.0),
    frame_center_lat_deg=st.none() | floats(-90.0, 90.0),
    frame_center_lon_deg=st.none() | floats(-180.0, 180.0),
    corners=st.none()
    | st.tuples(*[st.builds(LatLon, floats(-90.0, 90.0), floats(-180.0, 180.0))] * 4),
    true_airspeed_mps=st.none() | st.integers(0, 255).map(float),
    vertical_speed_mps=st.none() | floats(-180.0, 180.0),
)


@settings(max_examples=200, deadline=None)
@given(sample=samples)
def test_a_sample_survives_encoding_within_the_resolution_of_its_items(
    sample: TelemetrySample,
) -> None:
    decoder = KlvTelemetryDecoder(DecodeContext(DecodePolicy.STRICT))
    [packet] = decoder.feed(encode_sample(sample))
    decoded = sample_from_items(packet.packet.items)
    for name in FIELD_TOLERANCE:
        expected, actual = getattr(sample, name), getattr(decoded, name)
        assert close(expected, actual, FIELD_TOLERANCE[name]), f"{name}: {expected} -> {actual}"
    assert (sample.t_us, sample.mission_id) == (decoded.t_us, decoded.mission_id)
