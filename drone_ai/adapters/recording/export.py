"""A finished recording exported for tools outside the tower (issue 8):

- `export_ts`: a STANAG 4609 style MPEG-TS (H.264 video + SMPTE 336 KLV data). An MPEG-TS
  recording's input stream is that already: its segments are the received bytes, written out
  back to back (checked against the manifest as they are read). An MJPEG+KLV recording is
  re-encoded (mjpeg_to_ts.py).
- `export_geojson`: the recorded result events as one RFC 7946 FeatureCollection: a Point per
  placed detection, a LineString per track through its positions in time (a Point when it had
  one, no geometry when none), optionally each frame's footprint as a Polygon. Coordinates are
  [lon, lat, HAE] (WGS-84 degrees, metres above the ellipsoid), rounded as
  `drone-ai subscribe --format geojson` rounds them, with the same property names and values,
  so partners read both alike.

Both write a temporary file beside `out_path` and rename it into place, so a failed export
leaves no half file under the name asked for. A recording still being written is refused.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.flight_events import FrameResult, GeoPosition, TrackUpdate
from domain.georeference import Method
from domain.recording import RecordingState, RecordingStream, SourceKind
from drone_ai.adapters.recording.event_lines import decode_line
from drone_ai.adapters.recording.manifest import Manifest, read_manifest
from drone_ai.adapters.recording.mjpeg_to_ts import transcode
from drone_ai.adapters.recording.reader import iter_chunks
from drone_ai.errors import RecordingBusyError, RecordingError


@dataclass(frozen=True, slots=True)
class TsExport:
    frames: int | None  # frames encoded; None when the received TS was copied as it came
    klv_packets: int | None
    frames_skipped: int
    bytes: int


@dataclass(frozen=True, slots=True)
class GeoJsonExport:
    detections: int
    tracks: int
    footprints: int


@dataclass(frozen=True, slots=True)
class RecordingExport:
    ts: TsExport | None  # None: not asked for
    geojson: GeoJsonExport | None


def export(
    folder: Path, ts_path: Path | None, geojson_path: Path | None, footprints: bool = False
) -> RecordingExport:
    """The exports asked for (a None path: not that one), the MPEG-TS first."""
    ts = export_ts(folder, ts_path) if ts_path is not None else None
    geojson = export_geojson(folder, geojson_path, footprints) if geojson_path else None
    return RecordingExport(ts, geojson)


def export_ts(folder: Path, out_path: Path) -> TsExport:
    manifest = _finished(folder)
    with _replaced(out_path) as tmp:
        if manifest.source.kind is SourceKind.MPEGTS:
            if not manifest.segments_of(RecordingStream.INPUT):
                raise RecordingError(f"{folder}: recorded MPEG-TS input expected, it has none")
            with tmp.open("wb") as out:
                for chunk in iter_chunks(folder, RecordingStream.INPUT):
                    out.write(chunk.data)
            return TsExport(None, None, 0, tmp.stat().st_size)
        received = [
            s.first_us
            for stream in (RecordingStream.VIDEO, RecordingStream.TELEMETRY)
            for s in manifest.segments_of(stream)
        ]
        if not manifest.segments_of(RecordingStream.VIDEO):
            raise RecordingError(f"{folder}: recorded JPEG video expected, it has none")
        counts = transcode(folder, tmp, min(received))
        return TsExport(
            counts.frames, counts.klv_packets, counts.frames_skipped, tmp.stat().st_size
        )


def export_geojson(folder: Path, out_path: Path, footprints: bool = False) -> GeoJsonExport:
    manifest = _finished(folder)
    base = {"flight_id": manifest.flight_id}
    tracks: dict[int, _TrackLine] = {}
    detections = footprint_count = 0
    with _replaced(out_path) as tmp, tmp.open("w", encoding="utf-8") as out:
        # Features are written as they come (a long flight's detections are never all held);
        # tracks, which need every position, follow at the end.
        out.write('{"type": "FeatureCollection", ')
        out.write(f'"recording_id": {json.dumps(manifest.recording_id)}, "features": [\n')
        separator = ""
        for feature in _event_features(folder, base, footprints, tracks):
            out.write(separator + json.dumps(feature, allow_nan=False))
            separator = ",\n"
            if feature["properties"]["kind"] == "detection":
                detections += 1
            else:
                footprint_count += 1
        for track_id in sorted(tracks):
            out.write(separator + json.dumps(tracks[track_id].feature(base), allow_nan=False))
            separator = ",\n"
        out.write("\n]}\n")
    return GeoJsonExport(detections, len(tracks), footprint_count)


@dataclass(slots=True)
class _TrackLine:
    track_id: int
    label: str
    first_us: int
    last_us: int
    state: str
    coordinates: list[list[float]] = field(default_factory=list)

    def feature(self, base: dict[str, Any]) -> dict[str, Any]:
        points = self.coordinates
        geometry: dict[str, Any] | None = None
        if len(points) >= 2:  # RFC 7946 3.1.4: a LineString has two or more positions
            geometry = {"type": "LineString", "coordinates": points}
        elif points:
            geometry = {"type": "Point", "coordinates": points[0]}
        properties = {
            **base,
            "kind": "track",
            "track_id": self.track_id,
            "label": self.label,
            "first_time_us": self.first_us,
            "last_time_us": self.last_us,
            "state": self.state,
            "positions": len(points),
        }
        return _feature(geometry, properties)


def _event_features(
    folder: Path, base: dict[str, Any], footprints: bool, tracks: dict[int, _TrackLine]
) -> Iterator[dict[str, Any]]:
    """Detection and footprint features in event order; `tracks` filled on the way."""
    for chunk in iter_chunks(folder, RecordingStream.EVENTS):
        logged = decode_line(chunk.data)
        event = logged.event
        at = {**base, "sequence": logged.sequence}
        if isinstance(event, FrameResult):
            at["frame_time_us"] = event.frame_time_us
            ring = [c for c in map(_lon_lat_h, event.footprint) if c is not None]
            if footprints and len(ring) >= 3:
                polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
                yield _feature(polygon, {**at, "kind": "footprint"})
            for located in event.detections:
                place = _lon_lat_h(located.position)
                if place is None:
                    continue
                d = located.detection
                properties = {
                    **at,
                    "kind": "detection",
                    "label": d.label,
                    "score": _rounded(d.score, 4),
                    "track_id": located.track_id,
                    "horizontal_error_m": _rounded(located.horizontal_error_m, 2),
                    "method": _method(located.method),
                }
                yield _feature({"type": "Point", "coordinates": place}, properties)
        elif isinstance(event, TrackUpdate):
            _follow(tracks, event)


def _follow(tracks: dict[int, _TrackLine], update: TrackUpdate) -> None:
    state = f"TRACK_STATE_{update.state.name}"
    line = tracks.get(update.track_id)
    if line is None:
        line = _TrackLine(update.track_id, update.label, update.frame_time_us, 0, state)
        tracks[update.track_id] = line
    line.label, line.state = update.label, state
    line.first_us = min(line.first_us, update.frame_time_us)
    line.last_us = max(line.last_us, update.frame_time_us)
    place = _lon_lat_h(update.position)
    if place is not None and (not line.coordinates or line.coordinates[-1] != place):
        line.coordinates.append(place)


def _method(method: Method | None) -> str | None:
    """The name the gRPC API gives it (tower.proto's GeoMethod), as the subscriber writes."""
    return None if method is None else f"GEO_METHOD_{method.name}"


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _lon_lat_h(position: GeoPosition | None) -> list[float] | None:
    """[lon, lat, HAE] as the subscriber rounds them; None for no place (or a NaN one)."""
    if position is None:
        return None
    values = (position.lon_deg, position.lat_deg, position.hae_m)
    if not all(math.isfinite(v) for v in values):
        return None
    return [round(values[0], 7), round(values[1], 7), round(values[2], 2)]


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _finished(folder: Path) -> Manifest:
    manifest = read_manifest(folder)
    if manifest.state is RecordingState.RECORDING:
        raise RecordingBusyError(
            f"{folder}: a finished recording expected, it is still being written (or was "
            "interrupted and awaits recovery)"
        )
    return manifest


@contextmanager
def _replaced(out_path: Path) -> Iterator[Path]:
    """A temporary path beside `out_path`, renamed onto it when the block ends without an
    error and removed when it raises."""
    if not out_path.parent.is_dir():
        raise RecordingError(f"{out_path}: a file in an existing folder expected")
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        tmp.replace(out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RecordingError(f"{out_path}: cannot write the export: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
