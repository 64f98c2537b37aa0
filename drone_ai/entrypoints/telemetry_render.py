"""How telemetry looks to a person or a script: JSON lines per packet, or a fixed-width table."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.files import FilePacket
from drone_ai.adapters.klv.formats import Json
from drone_ai.adapters.klv.reader import ITEM_TABLES
from drone_ai.services.georeferencing import FootprintPoint, FootprintReport, Georeferencer

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_time(t_us: int) -> str:
    """`t_us` as an ISO 8601 UTC time with microseconds (exact: no float seconds)."""
    return (_EPOCH + timedelta(microseconds=t_us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def packet_json(packet: FilePacket, georeferencer: Georeferencer | None = None) -> str:
    """One JSON object for one packet: where it came from, its time, and every item; with a
    georeferencer, also our footprint beside the reported one."""
    decoded = packet.decoded
    table = ITEM_TABLES[decoded.packet.standard]
    record: dict[str, Json] = {
        "standard": decoded.packet.standard.value,
        "offset": decoded.packet.offset,
        "size": decoded.packet.size,
    }
    if packet.stream_index is not None:
        record["stream"] = packet.stream_index
        record["pts_90khz"] = packet.pts_90khz
    if decoded.sample is not None:
        record["t_us"] = decoded.sample.t_us
        record["time"] = iso_time(decoded.sample.t_us)
    record["items"] = table.to_json(decoded.packet.items)
    if georeferencer is not None and decoded.sample is not None:
        record["footprint"] = footprint_json(georeferencer.footprint(decoded.sample))
    return json.dumps(record, allow_nan=False, ensure_ascii=False)


def footprint_json(report: FootprintReport) -> dict[str, Json]:
    def point(p: FootprintPoint | None) -> Json:
        if p is None:
            return None
        return {
            "lat_deg": _finite(p.lat_deg),
            "lon_deg": _finite(p.lon_deg),
            "hae_m": _finite(p.hae_m),
            "sigma_h_m": _finite(p.sigma_h_m),
            "method": p.method.name.lower(),
            "usable": p.usable,
            "clipped": p.clipped,
            "offset_from_reported_m": p.offset_from_reported_m,
        }

    return {
        "centre": point(report.centre),
        "corners": [point(c) for c in report.corners],
        "ground": report.ground,
        "notes": list(report.notes),
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# (heading, width, how to show one sample)
_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("time (UTC)", 27, "t_us"),
    ("lat deg", 11, "sensor_lat_deg"),
    ("lon deg", 12, "sensor_lon_deg"),
    ("alt MSL m", 9, "sensor_alt_msl_m"),
    ("hdg", 7, "platform_heading_deg"),
    ("pitch", 6, "platform_pitch_deg"),
    ("roll", 6, "platform_roll_deg"),
    ("sensor az/el", 17, "pointing"),
    ("hfov", 6, "hfov_deg"),
    ("vfov", 6, "vfov_deg"),
    ("slant m", 9, "slant_range_m"),
    ("centre lat", 11, "frame_center_lat_deg"),
    ("centre lon", 12, "frame_center_lon_deg"),
)
_DECIMALS = {"sensor_lat_deg": 6, "sensor_lon_deg": 6, "frame_center_lat_deg": 6}
_DECIMALS |= {"frame_center_lon_deg": 6, "sensor_alt_msl_m": 1, "slant_range_m": 1}


def telemetry_table(
    samples: Iterable[TelemetrySample], georeferencer: Georeferencer | None = None
) -> list[str]:
    """A header line and one line per sample; an absent value shows as '-'. With a
    georeferencer, two more columns: how far our frame centre is from the reported one, and
    the worst of the four corners."""
    headings = [heading.rjust(width) for heading, width, _ in _COLUMNS]
    if georeferencer is not None:
        headings += ["centre off m".rjust(12), "corner off m".rjust(12)]
    lines = [" ".join(headings)]
    for sample in samples:
        cells = []
        for _, width, name in _COLUMNS:
            if name == "t_us":
                text = iso_time(sample.t_us)
            elif name == "pointing":
                text = _pointing(sample)
            elif (value := getattr(sample, name)) is None:
                text = "-"
            else:
                text = f"{value:.{_DECIMALS.get(name, 2)}f}"
            cells.append(text.rjust(width))
        if georeferencer is not None:
            cells += _footprint_cells(georeferencer.footprint(sample))
        lines.append(" ".join(cells))
    return lines


def _footprint_cells(report: FootprintReport) -> list[str]:
    centre = report.centre.offset_from_reported_m if report.centre else None
    corners = [c.offset_from_reported_m for c in report.corners]
    worst = max((c for c in corners if c is not None), default=None)
    return [
        ("-" if centre is None else f"{centre:.1f}").rjust(12),
        ("-" if worst is None else f"{worst:.1f}").rjust(12),
    ]


def _pointing(sample: TelemetrySample) -> str:
    """The sensor's line of sight: relative to the platform (ST 0601), or in the world frame
    (EG 0104: azimuth from true north / obliquity), whichever the sample has."""
    if sample.sensor_rel_az_deg is not None and sample.sensor_rel_el_deg is not None:
        return f"rel {sample.sensor_rel_az_deg:.1f}/{sample.sensor_rel_el_deg:.1f}"
    if sample.sensor_true_az_deg is not None and sample.sensor_obliquity_deg is not None:
        return f"abs {sample.sensor_true_az_deg:.1f}/{sample.sensor_obliquity_deg:.1f}"
    return "-"


def rejected_summary(rejected: Mapping[str, int], skipped_bytes: int) -> str:
    """One line saying what was refused, by reason, or that nothing was."""
    if not rejected:
        return "rejected: none"
    reasons = ", ".join(f"{reason}={count}" for reason, count in rejected.items())
    return f"rejected: {reasons} ({skipped_bytes} bytes skipped)"
