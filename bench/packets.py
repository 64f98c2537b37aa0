"""Packets the benchmarks share: a typical ~170-byte ST 0601 packet, and real packets."""

from __future__ import annotations

from pathlib import Path

from drone_ai.adapters.klv.mpegts import read_klv_units
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import CODECS
from drone_ai.adapters.klv.st0601 import encode_packet
from drone_ai.adapters.klv.stream import KlvStream

ROOT = Path(__file__).resolve().parent.parent
H264_KLV = ROOT / "tests/data/h264_klv.ts"
APHILL = ROOT / "drone_ai/samples/aphill_klv_10s.ts"

# What a small UAS sends every frame: time, mission, platform pose, sensor pose and field of
# view, slant range, frame centre, generic flags, version. 173 bytes encoded.
TYPICAL_ITEMS: dict[int, object] = {
    2: 1_700_000_000_000_000,
    3: "MISSION01",
    4: "AF-101",
    5: 159.97,
    6: -0.43,
    7: 3.4,
    8: 147,
    9: 159,
    10: "MQ1-B",
    11: "EO",
    12: "Geodetic WGS84",
    13: 60.17,
    14: 128.42,
    15: 14190.7,
    16: 144.57,
    17: 152.64,
    18: 160.7,
    19: -168.8,
    20: 176.9,
    21: 68590.9,
    22: 722.8,
    23: -10.54,
    24: 29.16,
    25: 3216.0,
    47: frozenset({0, 4}),
    56: 140,
    65: 17,
}


def typical_packet(index: int = 0) -> bytes:
    return encode_packet({**TYPICAL_ITEMS, 2: 1_700_000_000_000_000 + index})


def file_packets(path: Path) -> list[bytes]:
    """The KLV packets of the TS file at `path`, as the bytes that arrived."""
    stream = b"".join(unit.data for unit in read_klv_units(path))
    found = KlvStream(CODECS, DecodeContext(DecodePolicy.STRICT)).feed(stream)
    return [stream[p.offset : p.offset + p.size] for p in found]
