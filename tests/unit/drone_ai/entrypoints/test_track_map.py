"""The track map: tracks in their colours over the footprints' wash, north up, one scale; an
empty map says so."""

from __future__ import annotations

import numpy as np
import pytest

from domain.telemetry import LatLon
from drone_ai.entrypoints.track_map import (
    MapLayers,
    _round_length_m,
    draw_track_map,
    track_colour,
)

ORIGIN = LatLon(38.16, -77.35)


def offset(north_m: float, east_m: float) -> LatLon:
    # Small offsets on the sphere are enough to place test points.
    return LatLon(
        ORIGIN.lat_deg + north_m / 111_000.0,
        ORIGIN.lon_deg + east_m / (111_000.0 * np.cos(np.radians(ORIGIN.lat_deg))),
    )


LAYERS = MapLayers(
    footprints=[[offset(-100, -100), offset(-100, 100), offset(100, 100), offset(100, -100)]],
    tracks={
        3: [offset(0, -80), offset(0, 80)],  # west to east, along the middle
        7: [offset(-80, 50), offset(80, 50)],  # south to north, east of the middle
    },
    truths={1: [offset(-5, -80), offset(-5, 80)]},
)


def pixels_of(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """(row, column) of the pixels in exactly that colour, above the legend's box."""
    found = np.argwhere(np.all(image == np.array(colour, dtype=np.uint8), axis=-1))
    return found[found[:, 0] < image.shape[0] - 140]


def spread(values: np.ndarray) -> float:
    """Of the middle 90 %, so that the track's id label does not count."""
    return float(np.percentile(values, 95) - np.percentile(values, 5))


def test_each_track_is_drawn_in_its_colour_where_it_went() -> None:
    image = draw_track_map(LAYERS, 600, 500)
    assert image.shape == (500, 600, 3)
    east_west = pixels_of(image, track_colour(3))
    north_south = pixels_of(image, track_colour(7))
    assert len(east_west) > 50 and len(north_south) > 50
    assert spread(east_west[:, 1]) > 5 * spread(east_west[:, 0])  # a horizontal line
    assert spread(north_south[:, 0]) > 5 * spread(north_south[:, 1])  # a vertical line
    assert np.median(north_south[:, 1]) > np.median(east_west[:, 1])  # east is right


def test_tracks_have_distinct_stable_colours() -> None:
    colours = {track_colour(i) for i in range(1, 9)}
    assert len(colours) == 8
    assert track_colour(5) == track_colour(5)


def test_the_footprints_wash_the_paper_faintly() -> None:
    image = draw_track_map(LAYERS, 600, 500)
    inside = image[250 + 60, 300 - 60].astype(int)  # within the footprint, off the lines
    outside = image[5, 5].astype(int)
    assert inside[0] >= inside[2] and not np.array_equal(inside, outside)
    assert inside.min() > 180  # faint


def test_an_empty_map_says_there_is_nothing_to_draw() -> None:
    image = draw_track_map(MapLayers(footprints=[], tracks={}), 600, 500)
    assert image.shape == (500, 600, 3)
    assert (image < 128).any()  # the notice's ink


@pytest.mark.parametrize(
    ("approximate_m", "expected_m"),
    [(1.0, 1.0), (180.0, 100.0), (260.0, 200.0), (7_300.0, 5_000.0)],
)
def test_the_scale_bar_takes_a_round_length(approximate_m: float, expected_m: float) -> None:
    assert _round_length_m(approximate_m) == expected_m
