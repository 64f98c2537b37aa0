"""YOLO-family outputs to detections: letterboxing in, layout recognition, confidence filter,
class-aware NMS and un-letterboxing out. numpy and OpenCV only: no model runtime here.

Layouts, recognised from the output's shape and the number of classes C:
  * YOLOv5: (batch, boxes, 5 + C): cx, cy, w, h, objectness, then C class scores; a box's
    score is objectness x its best class score.
  * YOLOv8 / YOLO11: (batch, 4 + C, boxes): cx, cy, w, h, then C class scores, no objectness.
Coordinates are in the letterboxed input's pixels; they are mapped back to the original frame
and clipped to it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from domain.detections import Detection
from drone_ai.errors import ConfigError

LETTERBOX_GREY = 114


class YoloLayout(enum.Enum):
    V5 = "v5"
    V8 = "v8"


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How an image was fitted into the model's input: scale, then padding (px)."""

    scale: float
    pad_x: float
    pad_y: float
    width_px: int
    height_px: int


def letterbox(
    image: NDArray[np.uint8], size_px: tuple[int, int]
) -> tuple[NDArray[np.float32], Letterbox]:
    """The model input (3 x H x W, RGB, 0..1) for a BGR image, keeping its aspect ratio."""
    in_w, in_h = size_px
    height, width = image.shape[:2]
    scale = min(in_w / width, in_h / height)
    new_w, new_h = min(in_w, round(width * scale)), min(in_h, round(height * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((in_h, in_w, 3), LETTERBOX_GREY, dtype=np.uint8)
    left, top = (in_w - new_w) // 2, (in_h - new_h) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    tensor = canvas[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0
    return np.ascontiguousarray(tensor), Letterbox(scale, float(left), float(top), width, height)


def recognise_layout(shape: tuple[int, ...], classes: int) -> YoloLayout:
    if len(shape) != 3:
        raise ConfigError(f"YOLO output: 3 dimensions expected, got shape {shape}")
    if shape[2] == 5 + classes:
        return YoloLayout.V5
    if shape[1] == 4 + classes:
        return YoloLayout.V8
    raise ConfigError(
        f"YOLO output: (batch, boxes, {5 + classes}) or (batch, {4 + classes}, boxes) expected "
        f"for {classes} classes, got {shape}"
    )


def decode(
    output: NDArray[np.float32],
    layout: YoloLayout,
    boxes: list[Letterbox],
    labels: list[str],
    min_score: float,
    nms_iou: float,
) -> list[list[Detection]]:
    """Detections per image of a batch output."""
    results = []
    for index, fit in enumerate(boxes):
        if layout is YoloLayout.V5:
            rows = output[index]
            class_scores = rows[:, 5:] * rows[:, 4:5]  # objectness x class score
        else:
            rows = output[index].T
            class_scores = rows[:, 4:]
        class_ids = np.argmax(class_scores, axis=1)
        scores = class_scores[np.arange(len(rows)), class_ids]
        keep = scores >= min_score
        results.append(
            _to_detections(
                rows[keep, :4], scores[keep], class_ids[keep], fit, labels, min_score, nms_iou
            )
        )
    return results


def _to_detections(
    cxcywh: NDArray[np.float32],
    scores: NDArray[np.float32],
    class_ids: NDArray[np.int64],
    fit: Letterbox,
    labels: list[str],
    min_score: float,
    nms_iou: float,
) -> list[Detection]:
    if len(scores) == 0:
        return []
    cx, cy, w, h = cxcywh.T
    # Back to the original frame: undo the padding, then the scale; clip to the frame.
    x0 = np.clip((cx - w / 2 - fit.pad_x) / fit.scale, 0, fit.width_px)
    y0 = np.clip((cy - h / 2 - fit.pad_y) / fit.scale, 0, fit.height_px)
    x1 = np.clip((cx + w / 2 - fit.pad_x) / fit.scale, 0, fit.width_px)
    y1 = np.clip((cy + h / 2 - fit.pad_y) / fit.scale, 0, fit.height_px)
    rects = [
        [float(a), float(b), float(c - a), float(d - b)]
        for a, b, c, d in zip(x0, y0, x1, y1, strict=True)
    ]
    kept = cv2.dnn.NMSBoxesBatched(rects, scores.tolist(), class_ids.tolist(), min_score, nms_iou)
    found = []
    for i in sorted(np.asarray(kept, dtype=int).ravel().tolist(), key=lambda k: -float(scores[k])):
        class_id = int(class_ids[i])
        label = labels[class_id] if class_id < len(labels) else str(class_id)
        found.append(
            Detection(
                float(x0[i]),
                float(y0[i]),
                float(x1[i]),
                float(y1[i]),
                class_id,
                label,
                float(scores[i]),
            )
        )
    return found
