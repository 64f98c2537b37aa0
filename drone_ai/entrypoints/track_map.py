"""A flight's tracks drawn as a map image: the frames' ground footprints as a faint wash (the
darker, the more often seen), each track's positions as a coloured line, the targets' true
paths (where known) as thin grey lines, with a scale bar, a north arrow and a legend.

The map is flat: local east/north metres in the tangent plane at the centre of what is drawn
(exact to centimetres over the few kilometres a flight covers), north up, one scale for both
axes. Input positions are WGS-84 degrees; the image is BGR, 8 bits, for OpenCV.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.geodesy import geodetic_to_ned
from domain.telemetry import LatLon

WIDTH_PX = 1200
HEIGHT_PX = 900
_MARGIN_PX = 60
_PAPER = (250, 250, 250)
_INK = (40, 40, 40)
_TRUTH_GREY = (90, 90, 90)
_FOOTPRINT_TINT = np.array([235.0, 180.0, 120.0])  # BGR: a light blue
_FOOTPRINT_MAX_SHADE = 0.35  # of the tint, where the camera dwelt longest: a faint wash
_FOOTPRINT_EDGE = (215, 185, 150)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_GOLDEN = 0.618033988749895  # spreads consecutive track ids far apart round the colour wheel


@dataclass(frozen=True, slots=True)
class MapLayers:
    footprints: Sequence[Sequence[LatLon]]  # each frame's ground corners, in order
    tracks: Mapping[int, Sequence[LatLon]]  # per track id, its positions in time order
    truths: Mapping[int, Sequence[LatLon]] = field(default_factory=dict)  # per true target


def track_colour(track_id: int) -> tuple[int, int, int]:
    """A saturated BGR colour for a track, the same for the same id in every map."""
    hue = int(180 * ((track_id * _GOLDEN) % 1.0))  # OpenCV's hue runs 0-179
    hsv = np.array([[[hue, 230, 210]]], dtype=np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def draw_track_map(
    layers: MapLayers, width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX, title: str = ""
) -> NDArray[np.uint8]:
    """The map image, `width_px` by `height_px`; an empty map (nothing to draw) says so."""
    image = np.full((height_px, width_px, 3), _PAPER, dtype=np.uint8)
    points = [p for footprint in layers.footprints for p in footprint]
    points += [p for path in layers.tracks.values() for p in path]
    points += [p for path in layers.truths.values() for p in path]
    if not points:
        _text(image, "nothing georeferenced to draw", (_MARGIN_PX, height_px // 2), 0.8)
        return image
    view = _View.around(points, width_px, height_px)
    _draw_footprints(image, view, layers.footprints)
    # Longest first: tracks often share a road, and a short one drawn last stays visible.
    for track_id, path in sorted(layers.tracks.items(), key=lambda item: -len(item[1])):
        colour = track_colour(track_id)
        pixels = view.pixels(path)
        if len(path) > 1:
            cv2.polylines(image, [pixels], False, colour, 3, cv2.LINE_AA)
        start, end = (tuple(int(v) for v in pixels[i]) for i in (0, -1))
        cv2.circle(image, start, 5, colour, 1, cv2.LINE_AA)
        cv2.circle(image, end, 5, colour, -1, cv2.LINE_AA)
        cv2.putText(
            image, f"#{track_id}", (end[0] + 6, end[1] - 8), _FONT, 0.45, colour, 1, cv2.LINE_AA
        )
    # Over the tracks, thin: where a track strays from its target, its colour shows beside it.
    for path in layers.truths.values():
        if len(path) > 1:
            cv2.polylines(image, [view.pixels(path)], False, _TRUTH_GREY, 1, cv2.LINE_AA)
    _draw_scale_bar(image, view)
    _draw_north_arrow(image)
    _draw_legend(image, layers)
    if title:
        _text(image, title, (_MARGIN_PX, 32), 0.7)
    return image


def write_png(image: NDArray[np.uint8], path: Path) -> None:
    """Write `image` as a PNG file; OSError when it cannot be written."""
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    path.write_bytes(encoded.tobytes())


@dataclass(frozen=True, slots=True)
class _View:
    """Where the local plane lands in the image: its centre and metres per pixel."""

    ref_lat_deg: float
    ref_lon_deg: float
    centre_east_m: float
    centre_north_m: float
    m_per_px: float
    width_px: int
    height_px: int

    @classmethod
    def around(cls, points: Sequence[LatLon], width_px: int, height_px: int) -> _View:
        lats = [p.lat_deg for p in points]
        lons = [p.lon_deg for p in points]
        ref_lat, ref_lon = (min(lats) + max(lats)) / 2.0, (min(lons) + max(lons)) / 2.0
        east, north = _east_north_m(points, ref_lat, ref_lon)
        span_east_m = max(float(east.max() - east.min()), 1.0)
        span_north_m = max(float(north.max() - north.min()), 1.0)
        usable_w, usable_h = width_px - 2 * _MARGIN_PX, height_px - 2 * _MARGIN_PX
        m_per_px = max(span_east_m / usable_w, span_north_m / usable_h)
        return cls(
            ref_lat,
            ref_lon,
            float(east.max() + east.min()) / 2.0,
            float(north.max() + north.min()) / 2.0,
            m_per_px,
            width_px,
            height_px,
        )

    def pixels(self, points: Sequence[LatLon]) -> NDArray[np.int32]:
        """Image pixels (x right, y down) of the points, as OpenCV's polylines wants them."""
        east, north = _east_north_m(points, self.ref_lat_deg, self.ref_lon_deg)
        x = self.width_px / 2.0 + (east - self.centre_east_m) / self.m_per_px
        y = self.height_px / 2.0 - (north - self.centre_north_m) / self.m_per_px
        return np.round(np.stack((x, y), axis=-1)).astype(np.int32)


def _east_north_m(
    points: Sequence[LatLon], ref_lat_deg: float, ref_lon_deg: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lats = np.array([p.lat_deg for p in points], dtype=np.float64)
    lons = np.array([p.lon_deg for p in points], dtype=np.float64)
    ned = geodetic_to_ned(lats, lons, 0.0, ref_lat_deg, ref_lon_deg, 0.0)
    return ned[..., 1], ned[..., 0]


def _draw_footprints(
    image: NDArray[np.uint8], view: _View, footprints: Sequence[Sequence[LatLon]]
) -> None:
    """Shade by how many footprints cover each spot, so that where the camera dwelt shows."""
    coverage = np.zeros(image.shape[:2], dtype=np.float32)
    mask = np.zeros(image.shape[:2], dtype=np.uint8)
    for footprint in footprints:
        if len(footprint) < 3:
            continue
        mask[:] = 0
        cv2.fillPoly(mask, [view.pixels(footprint)], 1)
        coverage += mask
    most = max(float(coverage.max()), 1.0)
    shade = (_FOOTPRINT_MAX_SHADE * np.sqrt(coverage / most))[..., np.newaxis]
    paper = np.array(_PAPER, dtype=np.float64)
    washed = paper + shade * (_FOOTPRINT_TINT - paper)
    image[:] = np.round(washed).astype(np.uint8)
    edges = [f for f in footprints if len(f) >= 3]
    if edges:  # the first and the last frame's outlines, to show which way the camera went
        for footprint in (edges[0], edges[-1]):
            cv2.polylines(image, [view.pixels(footprint)], True, _FOOTPRINT_EDGE, 1, cv2.LINE_AA)


def _draw_scale_bar(image: NDArray[np.uint8], view: _View) -> None:
    length_m = _round_length_m(view.m_per_px * image.shape[1] / 5.0)
    length_px = round(length_m / view.m_per_px)
    x0, y = _MARGIN_PX, image.shape[0] - _MARGIN_PX // 2
    cv2.rectangle(image, (x0, y - 6), (x0 + length_px, y), _INK, -1)
    cv2.rectangle(image, (x0 + length_px // 2, y - 5), (x0 + length_px - 1, y - 1), _PAPER, -1)
    label = f"{length_m:g} m" if length_m < 1_000 else f"{length_m / 1_000:g} km"
    _text(image, label, (x0 + length_px + 10, y), 0.55)


def _round_length_m(approximate_m: float) -> float:
    """The 1, 2 or 5 times a power of ten just below `approximate_m`."""
    power = 10.0 ** math.floor(math.log10(approximate_m))
    return max(step * power for step in (1.0, 2.0, 5.0) if step * power <= approximate_m)


def _draw_north_arrow(image: NDArray[np.uint8]) -> None:
    x, top = image.shape[1] - _MARGIN_PX, _MARGIN_PX
    cv2.arrowedLine(image, (x, top + 50), (x, top), _INK, 2, cv2.LINE_AA, tipLength=0.3)
    _text(image, "N", (x - 7, top + 72), 0.6)


def _draw_legend(image: NDArray[np.uint8], layers: MapLayers) -> None:
    x, y = image.shape[1] - 260, image.shape[0] - 110
    cv2.rectangle(image, (x - 10, y - 22), (image.shape[1] - 12, y + 78), (255, 255, 255), -1)
    cv2.rectangle(image, (x - 10, y - 22), (image.shape[1] - 12, y + 78), _INK, 1)
    for i, track_id in enumerate(sorted(layers.tracks)[:5]):  # a few of the track colours
        cv2.line(image, (x + 8 * i, y), (x + 8 * i + 6, y), track_colour(track_id), 3)
    _text(image, f"track ({len(layers.tracks)}, a colour each)", (x + 48, y + 5), 0.45)
    cv2.line(image, (x, y + 25), (x + 40, y + 25), _TRUTH_GREY, 1, cv2.LINE_AA)
    _text(image, "true path (simulator)", (x + 48, y + 30), 0.45)
    wash = np.array(_PAPER) + _FOOTPRINT_MAX_SHADE * (_FOOTPRINT_TINT - np.array(_PAPER))
    cv2.rectangle(image, (x, y + 44), (x + 40, y + 56), tuple(int(v) for v in wash), -1)
    cv2.rectangle(image, (x, y + 44), (x + 40, y + 56), _FOOTPRINT_EDGE, 1)
    _text(image, f"frame footprints ({len(layers.footprints)})", (x + 48, y + 55), 0.45)


def _text(image: NDArray[np.uint8], text: str, origin: tuple[int, int], scale: float) -> None:
    cv2.putText(image, text, origin, _FONT, scale, _INK, 1, cv2.LINE_AA)
