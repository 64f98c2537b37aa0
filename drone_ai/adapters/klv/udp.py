"""KLV over UDP: each datagram holds one or several whole packets (MISB ST 0601 over IP).

A datagram is decoded on its own: whatever it leaves incomplete is refused as truncated rather
than waited for, since UDP never continues a packet in the next datagram. Datagrams larger
than `max_packet_bytes` are cut by the socket and so refused by the decoder.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy, RejectCounts
from drone_ai.adapters.klv.reader import KlvTelemetryDecoder
from drone_ai.adapters.klv.stream import DEFAULT_MAX_PACKET_BYTES
from drone_ai.errors import SourceError

_MAX_DATAGRAM = 65_535
_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class KlvUdpTelemetrySource:
    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        policy: DecodePolicy = DecodePolicy.LENIENT,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
    ) -> None:
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
        decoded = self._decoder.feed(datagram) + self._decoder.close()
        return [d.sample for d in decoded if d.sample is not None]

    def samples(self, idle_timeout_s: float) -> Iterator[TelemetrySample]:
        """Every sample until no datagram has come for `idle_timeout_s`."""
        while (batch := self.receive(idle_timeout_s)) is not None:
            yield from batch

    def close(self) -> None:
        self._socket.close()
