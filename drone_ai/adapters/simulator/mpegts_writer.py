"""A simulated flight as a STANAG 4609 style MPEG-TS: H.264 video and a KLV data stream.

PyAV (FFmpeg) muxes: the KLV stream gets stream_type 0x06 with a "KLVA" registration
descriptor, PES packets with PTS. Both streams count time from the scenario's start, so a KLV
packet's PTS is the video time of the instant it describes. Frames and packets are written in
time order. PyAV types stay in this module.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from drone_ai.adapters.simulator.files import Progress, finish_image, truth_line
from drone_ai.adapters.simulator.flight import FRAME, SimulatedFlight
from drone_ai.errors import SourceError

PTS_HZ = 90_000


def write_mpegts(flight: SimulatedFlight, path: Path, progress: Progress | None = None) -> None:
    """Write the flight to `path`, and its ground truth beside it (`path` + .truth.jsonl)."""
    scenario = flight.scenario
    truth_path = path.with_name(path.name + ".truth.jsonl")
    rate = Fraction(scenario.fps).limit_denominator(1001)
    try:
        container = av.open(str(path), mode="w", format="mpegts")
    except (OSError, av.FFmpegError) as exc:
        raise SourceError(f"{path}: a writable MPEG-TS file expected: {exc}") from exc
    with container, truth_path.open("w", encoding="utf-8") as truth:
        video = container.add_stream("libx264", rate=rate)
        video.width = scenario.camera.width_px
        video.height = scenario.camera.height_px
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "veryfast", "tune": "zerolatency"}
        klv = container.add_data_stream("klv")
        klv.time_base = Fraction(1, PTS_HZ)
        for _, kind, index in flight.timeline():
            if kind == FRAME:
                frame = flight.frame(index)
                image = finish_image(
                    frame, scenario.render.blur_sigma_px, scenario.render.pixel_noise, scenario.seed
                )
                picture = av.VideoFrame.from_ndarray(image, format="bgr24")
                picture.pts = index
                container.mux(video.encode(picture))
                truth.write(truth_line(frame))
                if progress is not None:
                    progress(index + 1, flight.frame_count)
            else:
                t_us, data = flight.packet(index)
                packet = av.Packet(data)
                packet.stream = klv
                packet.time_base = klv.time_base
                packet.pts = packet.dts = round((t_us - scenario.start_utc_us) * PTS_HZ / 1e6)
                container.mux(packet)
        container.mux(video.encode(None))
