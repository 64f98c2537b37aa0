"""Every item of the 30 ST 0601.17 packets of h264_klv.ts against KWIVER's own decode of them.

Oracle: tests/data/video_stream_klv.kwiver.json.zz (Kitware/kwiver, BSD-3-Clause), KWIVER's
decode of each item of tests/data/h264_klv.ts. Floats must agree within the item's resolution
at the length the packet used; everything else exactly. Where we knowingly differ, the table
KNOWN_DIFFERENCES below says why.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.formats import ImapbFormat
from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.adapters.klv.policy import DecodePolicy
from drone_ai.adapters.klv.st0601 import ST0601
from drone_ai.adapters.klv.st0601_structured import NESTED_STANDARDS
from tests.conftest import DATA_DIR

# Nested local sets of other MISB standards are carried as raw bytes by design (see
# drone_ai/adapters/klv/st0601_structured.py); KWIVER decodes them. We check that their bytes
# are carried, not their contents.
RAW_BY_DESIGN = frozenset(NESTED_STANDARDS)
# ST 0102 item 13 (object country codes) is UTF-16 by the standard; KWIVER shows the raw bytes
# as if they were 8-bit text ("\x00U\x00S"), we decode them ("US").
KNOWN_DIFFERENCES = {(48, 13): "ST 0102 item 13 is UTF-16; KWIVER renders its bytes as 8-bit text"}


def location(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"latitude": value.lat_deg, "longitude": value.lon_deg, "altitude": value.hae_m}


def enum(value: int) -> dict[str, int]:
    return {"integer": value}


def bits(value: frozenset[int]) -> list[dict[str, int]]:
    return [{"integer": bit} for bit in sorted(value)]


def interval(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"start": value.start_deg, "range": value.range_deg}


def uuid_hex(value: bytes | None) -> dict[str, str] | None:
    if value is None:
        return None
    text = value.hex()
    return {"hex": "-".join(text[i : i + 4] for i in range(0, len(text), 4))}


# Our decoded value of a structured item, in the shape of KWIVER's JSON.
TO_KWIVER: dict[int, Callable[[Any], Any]] = {
    47: bits,
    81: lambda v: {"x0": v.start_x_pct, "y0": v.start_y_pct, "x1": v.end_x_pct, "y1": v.end_y_pct},
    94: lambda v: {
        "version": v.version,
        "sensor-id-type": enum(v.sensor_id_type),
        "platform-id-type": enum(v.platform_id_type),
        "sensor-id": uuid_hex(v.sensor_id),
        "platform-id": uuid_hex(v.platform_id),
        "window-id": uuid_hex(v.window_id),
        "minor-id": uuid_hex(v.minor_id),
    },
    115: lambda v: {"id": v.command_id, "string": v.text, "timestamp": v.t_us},
    116: list,
    121: list,
    122: lambda v: {
        "coding-method": enum(v.coding_method),
        "overflight-country": v.overflight,
        "operator-country": v.operator,
        "country-of-manufacture": v.manufacturer,
    },
    124: bits,
    127: lambda v: {"numerator": v.numerator, "denominator": v.denominator},
    128: lambda v: [
        {"id": w.wavelength_id, "min": w.min_nm, "max": w.max_nm, "name": w.name} for w in v
    ],
    130: lambda v: {
        "take-off-location": location(v.take_off),
        "recovery-location": location(v.recovery),
    },
    138: lambda v: [{"id": p.payload_id, "type": enum(p.payload_type), "name": p.name} for p in v],
    139: sorted,
    140: lambda v: [
        {
            "station-id": s.station_id,
            "hardpoint-id": s.hardpoint_id,
            "carriage-id": s.carriage_id,
            "store-id": s.store_id,
            "general-status": enum(s.general_status),
            "engagement-status": bits(s.engagement_bits),
            "weapon-type": s.weapon_type,
        }
        for s in v
    ],
    141: lambda v: [
        {
            "id": w.waypoint_id,
            "order": w.order,
            "info": bits(w.info_bits),
            "location": location(w.location),
        }
        for w in v
    ],
    142: lambda v: {
        "azimuth": interval(v.azimuth),
        "elevation": interval(v.elevation),
        "roll": interval(v.roll),
    },
}
# Tolerance of the floats inside structured items: the finest IMAPB step they use.
STRUCTURED_TOLERANCE = {
    128: Imapb(0.0, 1e9, 4).resolution,
    130: Imapb(-900.0, 9_000.0, 3).resolution,
    141: Imapb(-900.0, 9_000.0, 3).resolution,
    142: Imapb(0.0, 360.0, 3).resolution,
}


def kwiver_packets() -> list[dict[str, Any]]:
    raw = (DATA_DIR / "video_stream_klv.kwiver.json.zz").read_bytes()
    packets: list[dict[str, Any]] = json.loads(zlib.decompress(raw))
    return packets


def our_packets(path: Path) -> list[Mapping[int, object]]:
    source = KlvFileTelemetrySource(path, DecodePolicy.STRICT)
    return [packet.decoded.packet.items for packet in source.packets()]


def mismatches(expected: Any, ours: Any, tolerance: float, where: str) -> list[str]:
    """Where `ours` differs from `expected` (KWIVER's shape); ignores keys KWIVER adds that
    carry no value of the item (name strings, lengths)."""
    if isinstance(expected, dict) and isinstance(ours, dict):
        found: list[str] = []
        for key, value in ours.items():
            found += mismatches(expected.get(key), value, tolerance, f"{where}.{key}")
        return found
    if isinstance(expected, list) and isinstance(ours, list):
        if len(expected) != len(ours):
            return [f"{where}: {len(expected)} entries expected, got {len(ours)}"]
        found = []
        for index, (e, o) in enumerate(zip(expected, ours, strict=True)):
            found += mismatches(e, o, tolerance, f"{where}[{index}]")
        return found
    if isinstance(expected, float) or isinstance(ours, float):
        if expected is None or ours is None or abs(expected - ours) > tolerance:
            return [f"{where}: {expected!r} expected, got {ours!r} (tolerance {tolerance:g})"]
        return []
    if expected != ours:
        return [f"{where}: {expected!r} expected, got {ours!r}"]
    return []


def scalar_tolerance(tag: int, length: int) -> float:
    fmt = ST0601.specs[tag].fmt
    if isinstance(fmt, ImapbFormat):
        return fmt.resolution_at(length)
    return fmt.resolution


def compare_item(tag: int, expected: Any, ours: Any) -> list[str]:
    where = f"item {tag} ({ST0601.describe(tag)[0]})"
    if ours is None:  # an empty item: KWIVER has no value either
        return mismatches(expected, None, 0.0, where)
    if isinstance(expected, dict) and set(expected) == {"length", "value"}:
        tolerance = scalar_tolerance(tag, expected["length"])
        return mismatches(expected["value"], ours, tolerance, where)
    if isinstance(expected, dict) and set(expected) == {"integer", "string"}:
        return mismatches(expected["integer"], ours, 0.0, where)
    if tag == 48:
        found = []
        for entry in expected:
            inner = entry["key"]["integer"]
            if (48, inner) in KNOWN_DIFFERENCES:
                continue
            value = entry["value"]
            value = value["integer"] if isinstance(value, dict) else value
            found += mismatches(value, ours.get(inner), 0.0, f"{where} item {inner}")
        return found
    if tag in TO_KWIVER:
        shaped = TO_KWIVER[tag](ours)
        return mismatches(expected, shaped, STRUCTURED_TOLERANCE.get(tag, 0.0), where)
    return mismatches(expected, ours, 0.0, where)


@pytest.mark.parametrize("video", ["h264_klv.ts", "mpeg2_klv.ts"])
def test_every_item_of_every_packet_matches_kwiver(video: str) -> None:
    expected_packets = kwiver_packets()
    ours = our_packets(DATA_DIR / video)
    assert len(ours) == len(expected_packets) == 30
    problems: list[str] = []
    compared = 0
    for index, (expected, items) in enumerate(zip(expected_packets, ours, strict=True)):
        expected_tags = {entry["key"]["integer"] for entry in expected["value"]}
        assert expected_tags == set(items), f"packet {index}: tags differ"
        for entry in expected["value"]:
            tag = entry["key"]["integer"]
            if tag in RAW_BY_DESIGN:
                assert items[tag] is None or isinstance(items[tag], bytes)
                continue
            problems += [
                f"packet {index} {p}" for p in compare_item(tag, entry["value"], items[tag])
            ]
            compared += 1
    assert not problems, "\n".join(problems[:20])
    assert compared == 30 * (139 - len(RAW_BY_DESIGN & expected_tags))


def test_items_kept_raw_carry_their_bytes_whole() -> None:
    items = our_packets(DATA_DIR / "h264_klv.ts")[0]
    # Item 100 (Segment Local Set) is empty in this file: no value, like any empty item.
    assert items[100] is None
    carried = [items[tag] for tag in RAW_BY_DESIGN if tag in items and tag != 100]
    assert len(carried) == 7  # 73, 74, 95, 97, 99, 101, 102
    assert all(isinstance(value, bytes) and len(value) > 10 for value in carried)
