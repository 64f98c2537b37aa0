"""Simulator rendering speed at 1280x720 on one core: `python -m bench.render`.

Frames of the default scenario (a 600 m orbit looking at a crossroads with traffic), rendered
from their exact pose; then the same frames also JPEG-encoded (quality 90) as the MJPEG and
file outputs do. Target: faster than 30 frames/s real time. CPU time, best of runs.
"""

from __future__ import annotations

import time

import cv2

from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping

FRAMES = 150


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    cv2.setNumThreads(1)  # one core, as the target says
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": FRAMES / 30.0}))
    best_render = best_jpeg = float("inf")
    for _ in range(3):
        began = time.process_time()
        frames = [flight.frame(i) for i in range(FRAMES)]
        best_render = min(best_render, time.process_time() - began)
        began = time.process_time()
        for frame in frames:
            cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        best_jpeg = min(best_jpeg, time.process_time() - began)
    render_fps = FRAMES / best_render
    both_fps = FRAMES / (best_render + best_jpeg)
    print(
        f"render {render_fps:,.0f} frames/s; render + JPEG {both_fps:,.0f} frames/s "
        f"(target > 30: {'meets' if both_fps > 30 else 'MISSES'})"
    )


if __name__ == "__main__":
    main()
