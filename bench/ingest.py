"""MJPEG ingest on this machine: `python -m bench.ingest`.

1280x720 JPEG frames of the simulated flight are served at 30 fps per client by a replay
server in another process. Here, N clients (one thread each) read and decode them with our
MJPEG source. Printed per N: frames received against frames sent (a stream is sustained when
none is lost), and the client CPU time per frame against a bare loop that only decodes the
same JPEGs: the ratio is the cost of ingest beyond decoding (target: under 15%).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

from drone_ai.adapters.simulator.flight import SimulatedFlight
from drone_ai.adapters.simulator.scenario import scenario_from_mapping
from drone_ai.adapters.video.mjpeg import MjpegHttpSource

FPS = 30
SECONDS = 5
DISTINCT_FRAMES = 60
MAX_STREAMS = 8


def render_jpegs() -> list[bytes]:
    flight = SimulatedFlight(scenario_from_mapping({"duration_s": DISTINCT_FRAMES / FPS}))
    quality = [cv2.IMWRITE_JPEG_QUALITY, 85]
    return [cv2.imencode(".jpg", f.image, quality)[1].tobytes() for f in flight.frames()]


def serve(jpegs: list[bytes], port_out: multiprocessing.Queue[int]) -> None:  # type: ignore[type-arg]
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            began = time.monotonic()
            try:
                for index in range(FPS * SECONDS):
                    time.sleep(max(0.0, began + index / FPS - time.monotonic()))
                    jpeg = jpegs[index % len(jpegs)]
                    head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}"
                    self.wfile.write(head.encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                self.wfile.write(b"--frame--\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def bare_decode_s(jpegs: list[bytes], frames: int) -> float:
    began = time.process_time()
    for index in range(frames):
        cv2.imdecode(np.frombuffer(jpegs[index % len(jpegs)], dtype=np.uint8), cv2.IMREAD_COLOR)
    return (time.process_time() - began) / frames


def ingest(url: str, streams: int) -> tuple[list[int], float]:
    """Frames received per stream, and client CPU seconds per frame."""
    counts = [0] * streams

    def read(slot: int) -> None:
        for _ in MjpegHttpSource(url).frames():
            counts[slot] += 1

    began = time.process_time()
    threads = [threading.Thread(target=read, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts, (time.process_time() - began) / max(1, sum(counts))


def main() -> None:
    print(" ".join(__doc__.split("\n\n")[0].split()))
    cv2.setNumThreads(1)
    jpegs = render_jpegs()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(jpegs, ports), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}/video"
    decode_s = bare_decode_s(jpegs, 300)
    print(f"bare decode: {decode_s * 1e3:.2f} ms per 1280x720 frame ({1 / decode_s:.0f} frames/s)")
    sent = FPS * SECONDS
    sustained = 0
    total_frames, total_cpu_s = 0, 0.0
    for streams in (1, 2, 4, 6, MAX_STREAMS):
        counts, per_frame_s = ingest(url, streams)
        total_frames += sum(counts)
        total_cpu_s += per_frame_s * sum(counts)
        if all(count == sent for count in counts):
            sustained = streams
        print(
            f"{streams} x 720p30: received {sum(counts)}/{sent * streams} frames, "
            f"{per_frame_s * 1e3:.2f} ms CPU per frame "
            f"(ingest overhead {per_frame_s / decode_s - 1.0:+.0%})"
        )
    server.terminate()
    overhead = total_cpu_s / total_frames / decode_s - 1.0
    verdict = "meets" if overhead < 0.15 else "MISSES"
    print(
        f"sustained without drops: up to {sustained} streams; ingest overhead over all runs "
        f"{overhead:+.0%} of decode time (target < 15%: {verdict})"
    )


if __name__ == "__main__":
    main()
