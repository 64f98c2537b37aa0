"""The example packets in tests/data (see tests/data/SOURCES.md) decode to the standard's
example values, and the one whose stored checksum is wrong is refused."""

from __future__ import annotations

import pytest

from domain.telemetry import TelemetryStandard
from drone_ai.adapters.klv.ber import encode_length
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import DecodedPacket, KlvTelemetryDecoder
from drone_ai.adapters.klv.st0601 import ST0601, ST0601_KEY, checksum
from drone_ai.adapters.klv.st0601_lists import AirbaseLocations
from drone_ai.adapters.klv.st0601_packs import (
    ControlCommand,
    FrameRate,
    MetadataSubstreamId,
    MiisCoreId,
)
from drone_ai.errors import KlvChecksumError, KlvRejectReason, KlvUnknownKeyError
from tests.conftest import DATA_DIR

# MISB ST 0601 Annex C example ("dynamic only") values, item by item.
ANNEX_C = {
    2: 1_231_798_102_000_000,  # 2009-01-12T22:08:22Z
    5: 159.9744,
    6: -0.4315,
    7: 3.4059,
    13: 60.17682297,
    14: 128.42675904,
    15: 14190.72,
    16: 144.5713,
    17: 152.6436,
    18: 160.71921147,
    19: -168.79232483,
    20: 176.86543765,
    21: 68590.98,
    22: 722.8199,
    23: -10.54238863,
    24: 29.15789012,
    25: 3216.037,
    65: 6,
}


def decode(
    data: bytes, policy: DecodePolicy = DecodePolicy.LENIENT
) -> tuple[list[DecodedPacket], KlvTelemetryDecoder]:
    decoder = KlvTelemetryDecoder(DecodeContext(policy))
    packets = decoder.feed(data)
    packets += decoder.close()
    return packets, decoder


def assert_annex_c_values(items: dict[int, object], differing: frozenset[int]) -> None:
    for tag, expected in ANNEX_C.items():
        if tag in differing:
            continue
        value = items[tag]
        if isinstance(expected, float):
            # The annex prints rounded values: agree to the printed digits or the resolution.
            digits = len(repr(expected).split(".")[1])
            tolerance = max(ST0601.specs[tag].fmt.resolution, 0.5 * 10.0**-digits)
            assert value == pytest.approx(expected, abs=tolerance), f"item {tag}"
        else:
            assert value == expected, f"item {tag}"


def test_st0902_annex_c_dynamic_packet_decodes_to_the_example_values() -> None:
    packets, decoder = decode((DATA_DIR / "st0902_annexc_dynamic_only.bin").read_bytes())
    assert len(packets) == 1 and decoder.counts.total == 0
    assert_annex_c_values(dict(packets[0].packet.items), frozenset())
    sample = packets[0].sample
    assert sample is not None and sample.standard is TelemetryStandard.ST0601
    assert sample.t_us == 1_231_798_102_000_000
    assert sample.sensor_alt_msl_m == pytest.approx(14190.72, abs=0.01)


def test_klvdata_dynamic_packet_matches_the_annex_but_for_its_relative_roll() -> None:
    packets, decoder = decode((DATA_DIR / "st0601_annexc_dynamic_only.klvdata.bin").read_bytes())
    assert len(packets) == 1 and decoder.counts.total == 0
    items = dict(packets[0].packet.items)
    assert_annex_c_values(items, differing=frozenset({20}))
    assert items[20] == 0.0  # this copy of the example carries 00000000 in item 20


def test_a_packet_with_a_wrong_stored_checksum_is_refused_when_strict() -> None:
    data = (DATA_DIR / "st0601_annexc_dynamic_constant.klvdata.bin").read_bytes()
    with pytest.raises(KlvChecksumError) as caught:
        decode(data, DecodePolicy.STRICT)
    assert caught.value.reason is KlvRejectReason.CHECKSUM_MISMATCH
    assert "0xaa43" in str(caught.value) and "0x3e1e" in str(caught.value)


def test_a_packet_with_a_wrong_stored_checksum_is_counted_when_lenient() -> None:
    data = (DATA_DIR / "st0601_annexc_dynamic_constant.klvdata.bin").read_bytes()
    packets, decoder = decode(data)
    assert packets == []
    assert decoder.counts.as_dict() == {"checksum_mismatch": 1}


def test_the_full_local_set_of_the_standards_example_values_decodes() -> None:
    value = (DATA_DIR / "st0601_full_ls_value.kwiver.bin").read_bytes()
    head = ST0601_KEY + encode_length(len(value) + 4) + value + b"\x01\x02"
    packets, decoder = decode(head + checksum(head, 0, len(head)).to_bytes(2, "big"))
    assert len(packets) == 1 and decoder.counts.total == 0
    items = packets[0].packet.items
    assert set(items) == set(range(2, 144)) - {66}
    expected = {
        2: 1_224_807_209_913_000,  # 2008-10-24T00:13:29.913Z
        3: "MISSION01",
        10: "MQ1-B",
        34: 2,
        39: 84,
        47: frozenset({0, 4, 5}),
        48: None,  # empty in this set
        60: 45016,
        110: 19887,
        115: ControlCommand(5, "Fly to Waypoint 1"),
        116: (3, 7),
        127: FrameRate(60000, 1001),
        131: 1_529_588_637_122_999,
        136: 30,
        137: 5_025_678_901,
        143: MetadataSubstreamId(7),
    }
    assert {tag: items[tag] for tag in expected} == expected
    floats = {13: 60.176822966978335, 14: 128.42675904204452, 96: 13898.5, 103: 23456.234375}
    floats |= {109: 1.625, 113: 2150.0, 118: 0.004150390625, 132: 2400.0}
    for tag, number in floats.items():
        assert items[tag] == pytest.approx(number, abs=ST0601.specs[tag].fmt.resolution)
    miis = items[94]
    assert isinstance(miis, MiisCoreId) and (miis.sensor_id_type, miis.platform_id_type) == (3, 2)
    airbases = items[130]
    assert isinstance(airbases, AirbaseLocations) and airbases.recovery is not None
    assert airbases.recovery.hae_m == pytest.approx(95.0)


def test_standalone_vmti_packets_are_another_standard_counted_as_unknown_keys() -> None:
    data = (DATA_DIR / "st0903_vmti_5packets.jmisb.bin").read_bytes()
    packets, decoder = decode(data)
    assert packets == []
    assert decoder.counts.as_dict() == {"unknown_key": 5}
    assert decoder.counts.skipped_bytes == len(data)
    with pytest.raises(KlvUnknownKeyError):
        decode(data, DecodePolicy.STRICT)
