"""ST 0601 items to `TelemetrySample` and back.

Where the standard has two items for one quantity, the more precise or wider one wins when both
arrived: full-range pitch and roll (90, 91) over the short ones (6, 7), the extended sensor
ellipsoid height (104) over item 75, the extended target width (96) over item 22. Corners come
from the full corner items (82-89) when all eight are present, else from the offset corners
(26-33) added to the frame centre (23, 24). Items used for a named field are not repeated in
`other_items`; everything else is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from domain.telemetry import LatLon, TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.sample_building import build_sample
from drone_ai.adapters.klv.st0601 import TIMESTAMP_TAG, encode_packet

# tag -> field, for items that carry one field as it is.
FIELD_BY_TAG: dict[int, str] = {
    3: "mission_id",
    4: "platform_tail_number",
    5: "platform_heading_deg",
    6: "platform_pitch_deg",
    7: "platform_roll_deg",
    8: "true_airspeed_mps",
    9: "indicated_airspeed_mps",
    10: "platform_designation",
    11: "image_source_sensor",
    13: "sensor_lat_deg",
    14: "sensor_lon_deg",
    15: "sensor_alt_msl_m",
    16: "hfov_deg",
    17: "vfov_deg",
    18: "sensor_rel_az_deg",
    19: "sensor_rel_el_deg",
    20: "sensor_rel_roll_deg",
    21: "slant_range_m",
    22: "target_width_m",
    23: "frame_center_lat_deg",
    24: "frame_center_lon_deg",
    25: "frame_center_elev_msl_m",
    51: "vertical_speed_mps",
    56: "ground_speed_mps",
    75: "sensor_hae_m",
    78: "frame_center_hae_m",
    79: "sensor_north_velocity_mps",
    80: "sensor_east_velocity_mps",
}
# tag -> field, for the preferred item of a pair; applied after FIELD_BY_TAG so that it wins.
PREFERRED_FIELD_BY_TAG: dict[int, str] = {
    90: "platform_pitch_deg",
    91: "platform_roll_deg",
    96: "target_width_m",
    104: "sensor_hae_m",
}
_FULL_CORNERS = tuple(range(82, 90))  # lat1, lon1, ..., lat4, lon4
_OFFSET_CORNERS = tuple(range(26, 34))
_USED = frozenset(FIELD_BY_TAG) | frozenset(PREFERRED_FIELD_BY_TAG) | frozenset(_FULL_CORNERS)
_USED |= frozenset(_OFFSET_CORNERS) | {TIMESTAMP_TAG}
_SHORT_RANGES = {6: 20.0, 7: 50.0}  # |value| the short pitch and roll items can carry


def sample_from_items(items: Mapping[int, object]) -> TelemetrySample:
    """The sample an ST 0601 packet describes (KlvValueError if it has no time stamp or its
    values together break the sample's rules)."""
    fields: dict[str, Any] = {}
    other: dict[int, object] = {}
    for tag, value in items.items():
        name = FIELD_BY_TAG.get(tag)
        if name is None:
            if tag not in _USED:
                other[tag] = value
        elif value is not None:
            fields[name] = float(value) if isinstance(value, int) else value
    for tag, name in PREFERRED_FIELD_BY_TAG.items():
        value = items.get(tag)
        if value is not None:
            fields[name] = value
    fields["other_items"] = MappingProxyType(other)
    return build_sample(
        items.get(TIMESTAMP_TAG), TelemetryStandard.ST0601, fields, lambda: _corners(items)
    )


def items_from_sample(sample: TelemetrySample) -> dict[int, object]:
    """ST 0601 items that carry `sample`; `encode_packet` turns them into bytes."""
    items: dict[int, object] = {TIMESTAMP_TAG: sample.t_us}
    by_field = {name: tag for tag, name in FIELD_BY_TAG.items()}
    for name, tag in by_field.items():
        value = getattr(sample, name)
        if value is None:
            continue
        if tag in (8, 9, 56):
            value = round(value)  # whole m/s on the wire
        items[tag] = value
    for short, full in ((6, 90), (7, 91)):
        value = items.get(short)
        if isinstance(value, float) and abs(value) > _SHORT_RANGES[short]:
            items[full] = items.pop(short)
    if sample.sensor_hae_m is not None and not -900.0 <= sample.sensor_hae_m <= 19_000.0:
        items[104] = items.pop(75)
    if sample.target_width_m is not None and sample.target_width_m > 10_000.0:
        items[96] = items.pop(22)
    if sample.corners is not None:
        for index, corner in enumerate(sample.corners):
            items[82 + 2 * index] = corner.lat_deg
            items[83 + 2 * index] = corner.lon_deg
    items.update(sample.other_items)
    return items


def encode_sample(sample: TelemetrySample) -> bytes:
    """A complete ST 0601 packet, checksum included, that decodes back to `sample` within the
    resolution of its items."""
    return encode_packet(items_from_sample(sample))


def _corners(items: Mapping[int, object]) -> tuple[LatLon, LatLon, LatLon, LatLon] | None:
    if 82 not in items and 26 not in items:
        return None
    full = _floats(items, _FULL_CORNERS)
    if full is not None:
        return _four(full)
    centre = _floats(items, (23, 24))
    offsets = _floats(items, _OFFSET_CORNERS)
    if centre is None or offsets is None:
        return None
    # Offsets alternate latitude, longitude: add the centre's matching coordinate.
    return _four([offset + centre[index % 2] for index, offset in enumerate(offsets)])


def _floats(items: Mapping[int, object], tags: tuple[int, ...]) -> list[float] | None:
    """The values of `tags` if every one of them is a number, else None."""
    values = [items.get(tag) for tag in tags]
    if all(isinstance(value, float) for value in values):
        return values  # type: ignore[return-value]
    return None


def _four(values: list[float]) -> tuple[LatLon, LatLon, LatLon, LatLon]:
    return (
        LatLon(values[0], values[1]),
        LatLon(values[2], values[3]),
        LatLon(values[4], values[5]),
        LatLon(values[6], values[7]),
    )
