"""The motion detector on a synthetic scene: a textured ground seen by a panning camera, one
uniformly coloured rectangle driving across it, and inputs it must refuse or skip."""

from __future__ import annotations

import numpy as np
import pytest

from domain.detection_metrics import iou
from domain.detections import Box
from drone_ai.adapters.detectors.motion import MotionDetector, MotionSettings
from drone_ai.errors import ConfigError, DetectorInputError

WIDTH, HEIGHT = 320, 240
PAN_PX = 2  # the camera pans right: the ground moves 2 px left a frame
SPEED_PX = 3  # the rectangle drives right over the ground, 3 px a frame
LENGTH_PX, WIDTH_PX = 24, 12  # it moves its own length in 8 frames
FRAMES = 48  # more than the detector's 40 frames of history
GROUND = np.kron(
    np.random.default_rng(4).integers(40, 200, (40, 80, 3), dtype=np.uint8),
    np.ones((8, 8, 1), dtype=np.uint8),
)  # 8 px blocks of random colour: corners to follow everywhere


def scene(step: int) -> tuple[np.ndarray, Box]:
    pan = PAN_PX * step
    image = GROUND[20 : 20 + HEIGHT, pan : pan + WIDTH].copy()
    x, y = 60 + (SPEED_PX - PAN_PX) * step, 110
    image[y : y + WIDTH_PX, x : x + LENGTH_PX] = (30, 30, 220)
    return image, (float(x), float(y), float(x + LENGTH_PX), float(y + WIDTH_PX))


def last_frames(detector: MotionDetector, frames: int = FRAMES, shown: int = 8) -> list:
    """(boxes, truth) of the last `shown` frames."""
    seen = []
    for step in range(frames):
        image, truth = scene(step)
        [found] = detector.detect([image])
        seen.append(([d.box for d in found], truth))
    return seen[-shown:]


def test_a_uniform_moving_rectangle_is_boxed_whole_and_leaves_no_ghost() -> None:
    detector = MotionDetector()
    for boxes, truth in last_frames(detector):
        assert len(boxes) == 1, boxes  # nothing at its earlier places, nothing on the ground
        assert iou(boxes[0], truth) >= 0.5
    assert detector.unregistered == 0


def test_the_frame_to_frame_homography_maps_the_previous_frame_onto_the_current() -> None:
    detector = MotionDetector()
    for step in range(12):
        detector.detect([scene(step)[0]])
    homography = detector.last_homography
    assert homography is not None
    for u, v in ((10.5, 10.5), (160.0, 120.0), (300.5, 230.5)):
        x, y, w = homography @ np.array([u, v, 1.0])
        assert (x / w, y / w) == pytest.approx((u - PAN_PX, v), abs=0.1)


@pytest.mark.parametrize(
    ("gsd_m", "reported"),
    [
        pytest.param(0.2, True, id="5.6x3.2m-a-car"),
        pytest.param(0.06, False, id="1.7m-long-shorter-than-min_size_m"),
        pytest.param(0.08, False, id="1.3m-wide-narrower-than-min_width_m"),
        pytest.param(1.5, False, id="42m-long-longer-than-max_size_m"),
        pytest.param(None, True, id="no-gsd-pixel-bounds"),
    ],
)
def test_object_size_bounds_are_in_metres_when_the_ground_sample_distance_is_known(
    gsd_m: float | None, reported: bool
) -> None:
    # The rectangle (24 x 12 px) is boxed at about 28 x 16 px: the blur widens its edges.
    detector = MotionDetector()
    detector.set_ground_sample_distance_m(gsd_m)
    assert all(bool(boxes) == reported for boxes, _ in last_frames(detector, 44, 4))


def test_pixel_bounds_apply_without_a_ground_sample_distance() -> None:
    detector = MotionDetector(MotionSettings(min_size_px=4.0, max_size_px=20.0))
    assert all(boxes == [] for boxes, _ in last_frames(detector, 44, 4))  # 24 px > 20 px


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(np.zeros((HEIGHT, WIDTH, 3), dtype=np.float32), id="float"),
        pytest.param(np.zeros((HEIGHT, WIDTH), dtype=np.uint8), id="grey"),
        pytest.param(np.zeros((HEIGHT, WIDTH, 4), dtype=np.uint8), id="bgra"),
        pytest.param(np.zeros((16, 16, 3), dtype=np.uint8), id="tiny"),
        pytest.param(b"\xff\xd8 a jpeg", id="bytes"),
    ],
)
def test_an_image_that_is_not_8_bit_bgr_is_refused_with_what_was_expected(image: object) -> None:
    with pytest.raises(DetectorInputError, match=r"image: .* expected, got"):
        MotionDetector().detect([image])  # type: ignore[list-item]


def test_blank_frames_give_no_detections_are_counted_and_the_flight_recovers() -> None:
    detector = MotionDetector()
    blank = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    results = []
    for step in range(FRAMES + 3):
        image = blank if step in (10, 11, 12) else scene(step)[0]
        results.append(detector.detect([image])[0])
    assert results[10:13] == [[], [], []]
    assert detector.unregistered == 4  # three blank frames, then the first good one after them
    assert results[-1] != []  # followed again once the history refills


@pytest.mark.parametrize("gsd_m", [0.0, -0.5, float("nan"), float("inf")])
def test_a_ground_sample_distance_that_is_not_a_positive_length_is_refused(gsd_m: float) -> None:
    with pytest.raises(DetectorInputError, match="ground sample distance"):
        MotionDetector().set_ground_sample_distance_m(gsd_m)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"offsets": (4, 2)}, id="offsets-not-increasing"),
        pytest.param({"offsets": (0, 2)}, id="offset-zero"),
        pytest.param({"seed_offsets": (3,)}, id="seed-offset-not-an-offset"),
        pytest.param({"threshold": 0}, id="threshold"),
        pytest.param({"min_size_m": 5.0, "max_size_m": 2.0}, id="min-above-max"),
    ],
)
def test_malformed_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="motion"):
        MotionSettings(**settings)  # type: ignore[arg-type]
