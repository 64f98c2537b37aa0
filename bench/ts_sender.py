"""A live MPEG-TS sender for the benchmarks: a pre-rendered .ts file streamed over UDP to
127.0.0.1 at the pace an encoder would send it, as a drone's datalink does.

Pacing follows the stream's own clock: each TS packet's send time is its program clock
reference (PCR, 27 MHz, ISO/IEC 13818-1 2.4.3.5), interpolated by byte position between the
packets that carry one. Datagrams hold 7 TS packets (1316 bytes), as FFmpeg's UDP output
sends them. One process sends every flight (a merged schedule), so that the tower under test
shares the cores with one sender, not with N.
"""

from __future__ import annotations

import heapq
import multiprocessing
import multiprocessing.synchronize
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TS_BYTES = 188
SYNC = 0x47
PACKETS_PER_DATAGRAM = 7
PCR_HZ = 27_000_000


@dataclass(frozen=True, slots=True)
class Schedule:
    """A stream cut into datagrams, each with its send time in seconds from the start."""

    offsets_s: tuple[float, ...]
    datagrams: tuple[bytes, ...]

    @property
    def duration_s(self) -> float:
        return self.offsets_s[-1] if self.offsets_s else 0.0


def pcr_27mhz(packet: bytes) -> int | None:
    """The packet's PCR in 27 MHz ticks, or None when it carries none."""
    adaptation = (packet[3] >> 4) & 0x3
    if not adaptation & 0x2 or packet[4] < 7 or not packet[5] & 0x10:
        return None
    b = packet[6:12]
    base = (b[0] << 25) | (b[1] << 17) | (b[2] << 9) | (b[3] << 1) | (b[4] >> 7)
    extension = ((b[4] & 0x1) << 8) | b[5]
    return base * 300 + extension


def schedule(ts: bytes) -> Schedule:
    """Send times for the stream `ts` (whole TS packets, at least two PCRs of one PID)."""
    if len(ts) % TS_BYTES or not ts:
        raise ValueError(f"MPEG-TS: expected whole {TS_BYTES}-byte packets, got {len(ts)} bytes")
    count = len(ts) // TS_BYTES
    pcr_pid: int | None = None
    at_packet: list[int] = []
    ticks: list[int] = []
    for index in range(count):
        packet = ts[index * TS_BYTES : (index + 1) * TS_BYTES]
        if packet[0] != SYNC:
            raise ValueError(f"MPEG-TS: sync byte 0x47 expected at packet {index}, got {packet[0]}")
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        pcr = pcr_27mhz(packet)
        if pcr is None or (pcr_pid is not None and pid != pcr_pid):
            continue
        pcr_pid = pid
        at_packet.append(index)
        ticks.append(pcr)
    if len(ticks) < 2:
        raise ValueError(f"MPEG-TS: at least two PCRs expected to pace by, got {len(ticks)}")
    seconds = (np.array(ticks, dtype=np.float64) - ticks[0]) / PCR_HZ
    firsts = np.arange(0, count, PACKETS_PER_DATAGRAM)
    # np.interp holds the end values: packets before the first PCR go at once, those after
    # the last one with it.
    offsets = np.interp(firsts, np.array(at_packet), seconds)
    step = PACKETS_PER_DATAGRAM * TS_BYTES
    datagrams = tuple(ts[first * TS_BYTES : first * TS_BYTES + step] for first in firsts)
    return Schedule(tuple(float(s) for s in offsets), datagrams)


def load_schedule(path: Path) -> Schedule:
    return schedule(path.read_bytes())


def _one(plan: Schedule, port: int, late_s: float) -> Iterator[tuple[float, int, bytes]]:
    for offset_s, data in zip(plan.offsets_s, plan.datagrams, strict=True):
        yield offset_s + late_s, port, data


def merged(
    plan: Schedule, ports: Sequence[int], stagger_s: float
) -> Iterator[tuple[float, int, bytes]]:
    """Every flight's datagrams in send-time order; flight k starts k * stagger_s late."""
    streams = [_one(plan, port, k * stagger_s) for k, port in enumerate(ports)]
    return heapq.merge(*streams, key=lambda item: item[0])


def send(plan: Schedule, ports: Sequence[int], stagger_s: float = 0.0) -> float:
    """Stream `plan` to each of `ports` on 127.0.0.1 in real time; the worst lateness (s)."""
    worst_late_s = 0.0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        began = time.monotonic()
        for offset_s, port, data in merged(plan, ports, stagger_s):
            ahead_s = began + offset_s - time.monotonic()
            if ahead_s > 0.001:
                time.sleep(ahead_s)
            else:
                worst_late_s = max(worst_late_s, -ahead_s)
            out.sendto(data, ("127.0.0.1", port))
    return worst_late_s


def _send_in_child(
    path: str,
    ports: list[int],
    stagger_s: float,
    go: multiprocessing.synchronize.Event,
    report: multiprocessing.Queue[object],
) -> None:
    plan = load_schedule(Path(path))
    report.put("ready")
    go.wait()
    report.put(send(plan, ports, stagger_s))


class Sender:
    """`send` in a process of its own (spawned: the caller may hold gRPC threads). The
    process starts and reads the file at once; `start()` starts the stream."""

    def __init__(self, path: Path, ports: Sequence[int], stagger_s: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._report: multiprocessing.Queue[object] = context.Queue()
        self._go = context.Event()
        self._process = context.Process(
            target=_send_in_child,
            args=(str(path), list(ports), stagger_s, self._go, self._report),
            name="ts-sender",
            daemon=True,
        )
        self._process.start()
        self._ready = False

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        if not self._ready:
            said = self._report.get(timeout=timeout_s)
            if said != "ready":
                raise RuntimeError(f"sender: expected 'ready', got {said!r}")
            self._ready = True

    def start(self) -> None:
        self.wait_ready()
        self._go.set()

    def join(self, timeout_s: float) -> float:
        """Waits for the end of the stream; the worst lateness of a datagram, seconds."""
        late = self._report.get(timeout=timeout_s)
        self._process.join(timeout_s)
        if not isinstance(late, float):
            raise RuntimeError(f"sender: expected its lateness, got {late!r}")
        return late

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(5.0)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_bound(ports: Sequence[int], timeout_s: float) -> bool:
    """Whether every one of `ports` has a UDP socket bound on this host (Linux's
    /proc/net/udp) within `timeout_s`: the tower has opened its input and will not miss the
    stream's start."""
    wanted = {f"{port:04X}" for port in ports}
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            lines = Path("/proc/net/udp").read_text().splitlines()[1:]
        except OSError:
            time.sleep(1.0)  # no way to look: give it a moment
            return True
        bound = {line.split()[1].rpartition(":")[2] for line in lines}
        if wanted <= bound:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
