"""`drone-ai replay RECORDING`: a recording (a folder, <flight>/<recording> under
DRONE_AI_RECORDING_DIR, or s3://bucket/prefix/<flight>[/<recording>]) played again through a
tower started here on 127.0.0.1, its events written as `drone-ai subscribe` writes them, with a
progress bar on stderr: re-analysed by the current pipeline, or its results as they were sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, TextIO

from drone_ai import bootstrap
from drone_ai.config import Settings
from drone_ai.entrypoints.grpc import subscriber
from drone_ai.entrypoints.grpc.server import build_server

BAR_CELLS = 30
REDRAW_S = 0.1  # the bar is drawn at most this often


@dataclass(slots=True)
class _Progress:
    """What the replay has shown so far, drawn as a bar over the recording's span."""

    span_us: int
    err: TextIO
    first_us: int | None = None
    flown_us: int = 0
    frames: int = 0
    detections: int = 0
    drawn_s: float = 0.0

    def frame(self, event: Any) -> None:
        t_us = event.frame.frame_time_us
        self.first_us = t_us if self.first_us is None else self.first_us
        self.flown_us = max(self.flown_us, t_us - self.first_us)
        self.frames += 1
        self.detections += len(event.frame.detections)
        if time.monotonic() - self.drawn_s >= REDRAW_S:
            self.draw()

    def draw(self, end: str = "") -> None:
        self.drawn_s = time.monotonic()
        share = min(1.0, self.flown_us / self.span_us) if self.span_us else 1.0
        cells = round(share * BAR_CELLS)
        bar = "#" * cells + "-" * (BAR_CELLS - cells)
        self.err.write(
            f"\rreplay [{bar}] {100 * share:3.0f}%  {self.flown_us / 1e6:6.1f} of "
            f"{self.span_us / 1e6:.1f} s  {self.frames} frames  {self.detections} detections" + end
        )
        self.err.flush()


def run_replay(
    settings: Settings,
    recording: str,
    speed: float,
    results: bool,
    output_format: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """The number of events written; RecordingError and friends when the recording cannot
    be read, grpc.RpcError when the tower refuses it."""
    # Found once here (an s3:// one fetched and checked), then named by its folder.
    folder = str(bootstrap.recording_folder(settings, recording))
    span_us = bootstrap.recordings(settings).span_us(folder)
    write = subscriber.WRITERS[output_format]
    progress = _Progress(span_us, err)
    began_s = time.monotonic()
    count = 0
    with bootstrap.detection_pool(settings) as pool:
        server = build_server(bootstrap.flight_control(settings, pool), subscriber_wait_s=0.1)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            address = f"127.0.0.1:{port}"
            subscriber.replay(address, "replay", folder, speed, results)
            for event in subscriber.events(address, ["replay"]):
                write(event, out)
                count += 1
                if event.HasField("frame"):
                    progress.frame(event)
        finally:
            server.stop(grace=None)
    progress.draw(end="\n")
    elapsed_s = time.monotonic() - began_s
    pace = f", {span_us / 1e6 / elapsed_s:.1f} x real time" if elapsed_s > 0 and span_us else ""
    err.write(f"replayed {count} events in {elapsed_s:.1f} s{pace}\n")
    return count
