"""A simulated flight written as plain files, for fixtures and for the file sources:

DIR/frames/000000.jpg ...   one JPEG per frame
DIR/frames.jsonl            per frame: index, t_us, file, and the ground truth of every
                            visible target (id, class, lat/lon/HAE, pixel box, ground point)
DIR/klv.bin                 the ST 0601 packets back to back
DIR/klv.jsonl               per packet: t_us, offset and size in klv.bin
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from drone_ai.adapters.simulator.flight import SimulatedFlight, SimulatedFrame
from drone_ai.errors import SourceError

Progress = Callable[[int, int], None]  # (frames done, frames in all)


def finish_image(
    frame: SimulatedFrame, blur_sigma_px: float, pixel_noise: float, seed: int
) -> np.ndarray:
    """The frame as a camera would deliver it: optional blur and sensor noise (seeded per
    frame, so that files are reproducible)."""
    image = frame.image
    if blur_sigma_px > 0.0:
        image = np.asarray(cv2.GaussianBlur(image, (0, 0), blur_sigma_px), dtype=np.uint8)
    if pixel_noise > 0.0:
        rng = np.random.default_rng([seed, frame.index, 1])
        noise = rng.normal(0.0, pixel_noise, image.shape)
        image = np.clip(image + noise, 0, 255).astype(np.uint8)
    return image


def truth_line(frame: SimulatedFrame, file: str | None = None) -> str:
    """One JSON line of ground truth: the frame, and every target visible in it."""
    record = {
        "index": frame.index,
        "t_us": frame.t_us,
        "file": file,
        "targets": [asdict(truth) for truth in frame.truths],
    }
    return json.dumps(record) + "\n"


def write_files(flight: SimulatedFlight, out_dir: Path, progress: Progress | None = None) -> None:
    render = flight.scenario.render
    try:
        (out_dir / "frames").mkdir(parents=True, exist_ok=True)
        with (out_dir / "frames.jsonl").open("w", encoding="utf-8") as truth_file:
            for frame in flight.frames():
                name = f"frames/{frame.index:06d}.jpg"
                image = finish_image(
                    frame, render.blur_sigma_px, render.pixel_noise, flight.scenario.seed
                )
                ok, jpeg = cv2.imencode(
                    ".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, render.jpeg_quality]
                )
                if not ok:
                    raise SourceError(f"{name}: JPEG encoding failed")
                (out_dir / name).write_bytes(jpeg.tobytes())
                record = {
                    "index": frame.index,
                    "t_us": frame.t_us,
                    "file": name,
                    "targets": [asdict(truth) for truth in frame.truths],
                }
                truth_file.write(json.dumps(record) + "\n")
                if progress is not None:
                    progress(frame.index + 1, flight.frame_count)
        with (
            (out_dir / "klv.bin").open("wb") as klv,
            (out_dir / "klv.jsonl").open("w", encoding="utf-8") as index,
        ):
            offset = 0
            for t_us, packet in flight.packets():
                klv.write(packet)
                index.write(
                    json.dumps({"t_us": t_us, "offset": offset, "size": len(packet)}) + "\n"
                )
                offset += len(packet)
    except OSError as exc:
        raise SourceError(f"{out_dir}: a writable folder expected: {exc}") from exc
