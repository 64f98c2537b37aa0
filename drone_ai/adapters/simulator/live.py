"""A simulated flight, live on 127.0.0.1: MJPEG over HTTP and ST 0601 KLV over UDP, paced by
one clock in real time (or faster).

HTTP: GET /video answers multipart/x-mixed-replace; each part is one JPEG with its
Content-Length and an X-Capture-Time-Us header (the frame's UTC time in microseconds). A client
that reads slowly loses its oldest frames (each has a bounded queue), never slows the flight.
UDP: one KLV packet per datagram, sent to the given port on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2

from drone_ai.adapters.simulator.files import finish_image
from drone_ai.adapters.simulator.flight import FRAME, SimulatedFlight
from drone_ai.errors import SourceError

LOOPBACK = "127.0.0.1"
BOUNDARY = "frame"
_CLIENT_QUEUE = 8
_END = None  # put on client queues when the flight is over


class _Broadcast:
    """The latest frames, fanned out to every connected client's bounded queue."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[queue.Queue[tuple[int, bytes] | None]] = []

    def join(self) -> queue.Queue[tuple[int, bytes] | None]:
        client: queue.Queue[tuple[int, bytes] | None] = queue.Queue(_CLIENT_QUEUE)
        with self._lock:
            self._clients.append(client)
        return client

    def leave(self, client: queue.Queue[tuple[int, bytes] | None]) -> None:
        with self._lock:
            if client in self._clients:
                self._clients.remove(client)

    def publish(self, item: tuple[int, bytes] | None) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            while True:
                try:
                    client.put_nowait(item)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        client.get_nowait()  # drop the oldest: a slow reader loses frames


class LiveFlight:
    """Serves one simulated flight; `start()` returns at once, `wait()` until it is flown."""

    def __init__(
        self,
        flight: SimulatedFlight,
        http_port: int = 0,
        klv_udp_port: int | None = None,
        speed: float = 1.0,
    ) -> None:
        if not speed > 0.0:
            raise SourceError(f"live flight: a positive speed factor expected, got {speed}")
        self._flight = flight
        self._speed = speed
        self._klv_port = klv_udp_port
        self._broadcast = _Broadcast()
        self._done = threading.Event()
        self._halt = threading.Event()
        self._first_client = threading.Event()
        broadcast, first_client = self._broadcast, self._first_client

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/video":
                    self.send_error(404, "only /video is served")
                    return
                client = broadcast.join()
                first_client.set()
                self.send_response(200)
                mixed = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
                self.send_header("Content-Type", mixed)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                try:
                    while (item := client.get()) is not _END:
                        t_us, jpeg = item
                        head = (
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                            f"Content-Length: {len(jpeg)}\r\nX-Capture-Time-Us: {t_us}\r\n\r\n"
                        )
                        self.wfile.write(head.encode("ascii") + jpeg + b"\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away
                finally:
                    broadcast.leave(client)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # no per-request logging on stderr

        try:
            self._server = ThreadingHTTPServer((LOOPBACK, http_port), Handler)
        except OSError as exc:
            raise SourceError(
                f"live flight: cannot listen on {LOOPBACK}:{http_port}: {exc}"
            ) from exc
        self._server.daemon_threads = True

    @property
    def video_url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/video"

    def start(self, wait_for_client_s: float = 0.0) -> None:
        """Serve, and start flying once a client has connected (or after the wait)."""
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._fly, args=(wait_for_client_s,), daemon=True).start()

    def wait(self, timeout_s: float | None = None) -> bool:
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        """Stop flying and serving; clients see their stream end."""
        self._halt.set()
        self._broadcast.publish(_END)
        self._server.shutdown()
        self._server.server_close()

    def _fly(self, wait_for_client_s: float) -> None:
        self._first_client.wait(wait_for_client_s)
        flight, scenario = self._flight, self._flight.scenario
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        began = time.monotonic()
        try:
            for t_us, kind, index in flight.timeline():
                if self._halt.is_set():
                    break
                due = began + (t_us - scenario.start_utc_us) / 1e6 / self._speed
                self._halt.wait(max(0.0, due - time.monotonic()))
                if kind == FRAME:
                    frame = flight.frame(index)
                    image = finish_image(
                        frame,
                        scenario.render.blur_sigma_px,
                        scenario.render.pixel_noise,
                        scenario.seed,
                    )
                    quality = [cv2.IMWRITE_JPEG_QUALITY, scenario.render.jpeg_quality]
                    ok, jpeg = cv2.imencode(".jpg", image, quality)
                    if ok:
                        self._broadcast.publish((frame.t_us, jpeg.tobytes()))
                elif self._klv_port is not None:
                    sender.sendto(flight.packet(index)[1], (LOOPBACK, self._klv_port))
        finally:
            sender.close()
            self._broadcast.publish(_END)
            self._done.set()
