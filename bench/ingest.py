"""MJPEG ingest on this machine: `python -m bench.ingest`.

1280x720 JPEG frames of the simulated flight are served at 30 fps per client by a replay
server in another process. Here, N clients (one thread each) read and decode them with our
MJPEG source. Printed per N: frames received against frames sent (a stream is sustained when
none is lost); each client thread's CPU time per frame, split into JPEG decoding and the rest
(HTTP, parsing, sockets: the ingest overhead, target under 15% of decode time); and a bare
loop that only decodes the same JPEGs, for scale.
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
MAX_STREAMS = 16


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


def ingest(url: str, streams: int) -> tuple[list[int], float, float]:
    """Frames received per stream, and client CPU seconds per frame: in all, and decoding."""
    counts = [0] * streams
    cpu_s = [0.0] * streams
    decode_s = [0.0] * streams

    def read(slot: int) -> None:
        began = time.thread_time()
        source = MjpegHttpSource(url)
        for _ in source.frames():
            counts[slot] += 1
        cpu_s[slot] = time.thread_time() - began
        decode_s[slot] = source.counts.decode_cpu_s

    threads = [threading.Thread(target=read, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    frames = max(1, sum(counts))
    return counts, sum(cpu_s) / frames, sum(decode_s) / frames


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
    total_frames, total_cpu_s, total_decode_s = 0, 0.0, 0.0
    for streams in (1, 2, 4, 8, 12, MAX_STREAMS):
        counts, per_frame_s, decode_per_frame_s = ingest(url, streams)
        total_frames += sum(counts)
        total_cpu_s += per_frame_s * sum(counts)
        total_decode_s += decode_per_frame_s * sum(counts)
        if all(count == sent for count in counts):
            sustained = streams
        print(
            f"{streams} x 720p30: received {sum(counts)}/{sent * streams} frames; CPU per frame "
            f"{per_frame_s * 1e3:.2f} ms ({per_frame_s / decode_s - 1.0:+.0%} on the bare loop), "
            f"of which decoding {decode_per_frame_s * 1e3:.2f} ms"
        )
    server.terminate()
    against_bare = total_cpu_s / total_frames / decode_s - 1.0
    beyond_decoding = total_cpu_s / total_decode_s - 1.0
    verdict = "meets" if against_bare < 0.15 else "MISSES"
    print(
        f"sustained without drops: up to {sustained} streams; over all runs, ingest costs "
        f"{against_bare:+.0%} on the bare decode loop (target < 15%: {verdict}), "
        f"{beyond_decoding:+.0%} beyond its own decoding"
    )


if __name__ == "__main__":
    main()
