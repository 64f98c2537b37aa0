"""MISB EG 0104 (Predator UAV Basic Universal Metadata Set), read only.

A packet is the set's 16-byte key, a BER length, and items each made of a 16-byte SMPTE key, a
BER length and a value; there is no checksum, so a packet is accepted only when its items fill
it exactly. Values are IEEE floats (angles in degrees, lengths in metres, heights above mean
sea level), UTF-8 strings, or microseconds since the Unix epoch.

EG 0104 items have no numbers of their own: we number them 1-32 in the order below, and those
numbers are the item keys of a decoded packet. Item keys are matched without their version byte
(byte 8 of a SMPTE label), since senders stamp different versions on the same item. Items with
a key we do not know are kept, raw, under number 0 as (key, value) pairs.

Unlike ST 0601, EG 0104 points the sensor in the world frame: "angle to north" is the azimuth of
the line of sight from true north, "obliquity" its angle to the horizontal as real feeds send it
(the aphill flight reports about -35 degrees: looking down), and the sensor roll angle is
absolute too. They map to the sample's `sensor_true_az_deg`, `sensor_obliquity_deg` and
`sensor_abs_roll_deg`, never to the ST 0601 relative angles.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.ber import decode_length
from drone_ai.adapters.klv.formats import Float, ItemFormat, RawBytes, Text, UInt
from drone_ai.adapters.klv.local_set import ItemSpec, LocalSetTable
from drone_ai.adapters.klv.policy import DecodeContext
from drone_ai.adapters.klv.sample_building import build_sample
from drone_ai.errors import KlvError, KlvFramingError, KlvRejectReason

EG0104_KEY = bytes.fromhex("060e2b34020101010e01010201010000")
UNKNOWN_ITEMS = 0
_KEY_BYTES = 16
_VERSION_BYTE = 7


class _UnknownItems(ItemFormat):
    """(key, value) pairs of items we do not know: kept, never decoded or re-encoded."""

    __slots__ = ()


# (number, item key (its version byte is ignored), name, format, unit)
_ITEMS: tuple[tuple[int, str, str, ItemFormat, str], ...] = (
    (1, "060e2b34010101010702010101050000", "User Defined Time Stamp", UInt(8), "us"),
    (2, "060e2b34010101010105050000000000", "Episode Number", Text(), ""),
    (3, "060e2b34010101070701100106000000", "Platform Heading Angle", Float(4), "deg"),
    (4, "060e2b34010101070701100105000000", "Platform Pitch Angle", Float(4), "deg"),
    (5, "060e2b34010101070701100104000000", "Platform Roll Angle", Float(4), "deg"),
    (6, "060e2b34010101010101200100000000", "Device Designation", Text(), ""),
    (7, "060e2b34010101010420010201010000", "Image Source Device", Text(), ""),
    (8, "060e2b34010101010701010100000000", "Image Coordinate System", Text(), ""),
    (9, "060e2b34010101030701020102040200", "Device Latitude", Float(), "deg"),
    (10, "060e2b34010101030701020102060200", "Device Longitude", Float(), "deg"),
    (11, "060e2b34010101010701020102020000", "Device Altitude (MSL)", Float(4), "m"),
    (12, "060e2b34010101020420020101080000", "Horizontal Field of View", Float(4), "deg"),
    (13, "060e2b340101010704200201010a0100", "Vertical Field of View", Float(4), "deg"),
    (14, "060e2b34010101010701080101000000", "Slant Range", Float(4), "m"),
    (15, "060e2b34010101010701090201000000", "Target Width", Float(4), "m"),
    (16, "060e2b34010101010701020103020000", "Frame Center Latitude", Float(), "deg"),
    (17, "060e2b34010101010701020103040000", "Frame Center Longitude", Float(), "deg"),
    (18, "060e2b340101010a0701020103160000", "Frame Center Elevation (MSL)", Float(4), "m"),
    (19, "060e2b34010101030701020103070100", "Corner Latitude Point 1", Float(), "deg"),
    (20, "060e2b34010101030701020103080100", "Corner Latitude Point 2", Float(), "deg"),
    (21, "060e2b34010101030701020103090100", "Corner Latitude Point 3", Float(), "deg"),
    (22, "060e2b340101010307010201030a0100", "Corner Latitude Point 4", Float(), "deg"),
    (23, "060e2b340101010307010201030b0100", "Corner Longitude Point 1", Float(), "deg"),
    (24, "060e2b340101010307010201030c0100", "Corner Longitude Point 2", Float(), "deg"),
    (25, "060e2b340101010307010201030d0100", "Corner Longitude Point 3", Float(), "deg"),
    (26, "060e2b340101010307010201030e0100", "Corner Longitude Point 4", Float(), "deg"),
    (27, "060e2b34020301010e01030302000000", "Security Local Set (ST 0102)", RawBytes(), ""),
    (28, "060e2b34010101010702010201010000", "Start Date Time (UTC)", Text(), ""),
    (29, "060e2b34010101010702010207010000", "Event Start Date Time (UTC)", Text(), ""),
    (30, "060e2b34010101010701100101000000", "Sensor Roll Angle", Float(4), "deg"),
    (31, "060e2b34010101010701100102000000", "Angle to North", Float(4), "deg"),
    (32, "060e2b34010101010701100103000000", "Obliquity Angle", Float(4), "deg"),
)

EG0104_ITEMS = LocalSetTable(
    "MISB EG 0104",
    (
        ItemSpec(UNKNOWN_ITEMS, "Unknown items (key, value)", _UnknownItems()),
        *(ItemSpec(number, name, fmt, unit) for number, _, name, fmt, unit in _ITEMS),
    ),
)


def _versionless(key: bytes) -> bytes:
    return key[:_VERSION_BYTE] + b"\x00" + key[_VERSION_BYTE + 1 :]


_BY_KEY: dict[bytes, ItemSpec] = {
    _versionless(bytes.fromhex(key)): EG0104_ITEMS.specs[number] for number, key, *_ in _ITEMS
}


def is_item_key(key: bytes) -> bool:
    """True when `key` labels an EG 0104 item (whatever its version byte)."""
    return _versionless(key) in _BY_KEY


def decode_packet(buf: bytes, pos: int, end: int, ctx: DecodeContext) -> dict[int, object]:
    """Decode the items in buf[pos:end], the value of one EG 0104 packet."""
    items: dict[int, object] = {}
    unknown: list[tuple[bytes, bytes]] = []
    while pos < end:
        key_end = pos + _KEY_BYTES
        if key_end > end:
            raise KlvFramingError(
                KlvRejectReason.TRUNCATED,
                f"EG 0104 packet: a 16-byte item key expected, {end - pos} bytes left",
            )
        key = buf[pos:key_end]
        length, start = decode_length(buf, key_end, end)
        stop = start + length
        if stop > end:
            raise KlvFramingError(
                KlvRejectReason.TRUNCATED,
                f"EG 0104 item {key.hex()}: {length} bytes run past the end of the packet",
            )
        spec = _BY_KEY.get(_versionless(key))
        if spec is None:
            unknown.append((key, buf[start:stop]))
        elif spec.tag in items:
            ctx.refuse(
                KlvFramingError(
                    KlvRejectReason.DUPLICATE_ITEM, f"EG 0104 item {spec.name} appears twice"
                )
            )
        else:
            try:
                items[spec.tag] = spec.fmt.decode(buf[start:stop])
            except KlvError as exc:
                ctx.refuse(
                    type(exc)(exc.reason, f"EG 0104 item {spec.tag} ({spec.name}): {exc.detail}")
                )
        pos = stop
    if unknown:
        items[UNKNOWN_ITEMS] = tuple(unknown)
    return items


# number -> TelemetrySample field, for items that carry a field as it is.
_FIELDS: dict[int, str] = {
    2: "mission_id",
    4: "platform_pitch_deg",
    5: "platform_roll_deg",
    6: "platform_designation",
    7: "image_source_sensor",
    9: "sensor_lat_deg",
    10: "sensor_lon_deg",
    11: "sensor_alt_msl_m",
    12: "hfov_deg",
    13: "vfov_deg",
    14: "slant_range_m",
    15: "target_width_m",
    16: "frame_center_lat_deg",
    17: "frame_center_lon_deg",
    18: "frame_center_elev_msl_m",
    30: "sensor_abs_roll_deg",
    32: "sensor_obliquity_deg",
}
# Directions that senders write in (-180, 180] as often as in [0, 360): stored in [0, 360).
_DIRECTIONS: dict[int, str] = {3: "platform_heading_deg", 31: "sensor_true_az_deg"}
_CORNER_LATS = (19, 20, 21, 22)
_CORNER_LONS = (23, 24, 25, 26)
_USED = frozenset(_FIELDS) | frozenset(_DIRECTIONS) | {1, *_CORNER_LATS, *_CORNER_LONS}


def sample_from_items(items: Mapping[int, object]) -> TelemetrySample:
    """The sample an EG 0104 packet describes (KlvValueError if it has no time stamp or its
    values together break the sample's rules)."""
    fields: dict[str, Any] = {
        name: items[number] for number, name in _FIELDS.items() if items.get(number) is not None
    }
    for number, name in _DIRECTIONS.items():
        value = items.get(number)
        if isinstance(value, float):
            fields[name] = value % 360.0
    fields["other_items"] = MappingProxyType(
        {number: value for number, value in items.items() if number not in _USED}
    )
    return build_sample(items.get(1), TelemetryStandard.EG0104, fields, lambda: _corners(items))


def _corners(items: Mapping[int, object]) -> tuple[LatLon, LatLon, LatLon, LatLon] | None:
    lats = [items.get(number) for number in _CORNER_LATS]
    lons = [items.get(number) for number in _CORNER_LONS]
    if not all(isinstance(value, float) for value in lats + lons):
        return None
    points = [LatLon(lat, lon) for lat, lon in zip(lats, lons, strict=True)]  # type: ignore[arg-type]
    return (points[0], points[1], points[2], points[3])
