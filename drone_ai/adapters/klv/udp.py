"""KLV over UDP: each datagram holds one or several whole packets (MISB ST 0601 over IP).

A datagram is decoded on its own: whatever it leaves incomplete is refused as truncated rather
than waited for, since UDP never continues a packet in the next datagram. Datagrams larger
than `max_packet_bytes` are cut by the socket and so refused by the decoder.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy, RejectCounts
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.klv.stream import DEFAULT_MAX_PACKET_BYTES
from drone_ai.errors import SourceError

_MAX_DATAGRAM = 65_535
_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
_CLOSE_CHECK_S = 0.5  # how often a reader without an idle timeout looks whether it was closed


class KlvUdpTelemetrySource:
    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        policy: DecodePolicy = DecodePolicy.LENIENT,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
        tap: Callable[[int, bytes], None] | None = None,
    ) -> None:
        """`tap`, when given, gets every datagram as it came, with the tower's clock (UTC us)
        then: a recorder keeps the KLV exactly as received."""
        self._tap = tap
        self._ctx = DecodeContext(policy)
        self._decoder = KlvTelemetryDecoder(self._ctx, max_packet_bytes)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Room for bursts: the kernel caps this at its own maximum (net.core.rmem_max).
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER_BYTES)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise SourceError(f"KLV over UDP: cannot listen on {host}:{port}: {exc}") from exc
        self.datagrams = 0
        self._closed = threading.Event()

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def counts(self) -> RejectCounts:
        return self._ctx.counts

    def receive(self, timeout_s: float) -> list[TelemetrySample] | None:
        """The samples of the next datagram, or None when none came within `timeout_s`."""
        self._socket.settimeout(timeout_s)
        try:
            datagram = self._socket.recv(_MAX_DATAGRAM)
        except TimeoutError:
            return None
        self.datagrams += 1
        if self._tap is not None:
            self._tap(time.time_ns() // 1_000, datagram)
        return datagram_samples(self._decoder, datagram)

    def samples(self, idle_timeout_s: float | None) -> Iterator[TelemetrySample]:
        """Every sample until no datagram has come for `idle_timeout_s`; with None, until
        closed (a live flight's telemetry may pause through an outage and come back)."""
        while not self._closed.is_set():
            try:
                batch = self.receive(_CLOSE_CHECK_S if idle_timeout_s is None else idle_timeout_s)
            except OSError:
                if self._closed.is_set():
                    return  # closed under the reader
                raise
            if batch is None:
                if idle_timeout_s is None:
                    continue
                return
            yield from batch

    def close(self) -> None:
        self._closed.set()
        self._socket.close()


def datagram_samples(decoder: KlvTelemetryDecoder, datagram: bytes) -> list[TelemetrySample]:
    """The samples of one datagram, decoded on its own (a replay decodes recorded ones so)."""
    decoded = decoder.feed(datagram) + decoder.close()
    return [d.sample for d in decoded if d.sample is not None]
