"""KLV telemetry from files: MPEG-TS with KLV data streams, or raw concatenated KLV packets.

The kind of file is told by its bytes, not its name: an MPEG-TS file starts with the sync byte
0x47 at every 188 bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.mpegts import read_klv_units
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy, RejectCounts
from drone_ai.adapters.klv.reader import DecodedPacket, KlvTelemetryDecoder
from drone_ai.adapters.klv.stream import DEFAULT_MAX_PACKET_BYTES
from drone_ai.errors import SourceError

_TS_PACKET_BYTES = 188
_TS_SYNC = 0x47
_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class FilePacket:
    """A decoded packet and where it came from: the TS data stream and PTS, if any."""

    decoded: DecodedPacket
    stream_index: int | None
    pts_90khz: int | None


def looks_like_mpegts(head: bytes) -> bool:
    """True when `head` (the first bytes of a file) has TS sync bytes where they belong."""
    syncs = head[: 3 * _TS_PACKET_BYTES : _TS_PACKET_BYTES]
    return len(syncs) > 0 and all(byte == _TS_SYNC for byte in syncs)


class KlvFileTelemetrySource:
    """Reads every KLV packet of one file, under one decoding policy."""

    def __init__(
        self,
        path: Path,
        policy: DecodePolicy = DecodePolicy.LENIENT,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
    ) -> None:
        self._path = path
        self._policy = policy
        self._ctx = DecodeContext(policy)
        self._max_packet_bytes = max_packet_bytes

    @property
    def counts(self) -> RejectCounts:
        """What the latest pass over the file refused."""
        return self._ctx.counts

    @property
    def rejected(self) -> Mapping[str, int]:
        return self._ctx.counts.as_dict()

    def packets(self) -> Iterator[FilePacket]:
        """Every packet of the file, in order; each call is a fresh pass with fresh counts."""
        self._ctx = DecodeContext(self._policy)
        try:
            with self._path.open("rb") as file:
                head = file.read(3 * _TS_PACKET_BYTES)
                if looks_like_mpegts(head):
                    yield from self._from_mpegts()
                else:
                    yield from self._from_raw(head, file.read)
        except OSError as exc:
            raise SourceError(f"{self._path}: a readable file expected: {exc}") from exc

    def samples(self) -> Iterator[TelemetrySample]:
        for packet in self.packets():
            if packet.decoded.sample is not None:
                yield packet.decoded.sample

    def _from_raw(self, head: bytes, read: Callable[[int], bytes]) -> Iterator[FilePacket]:
        decoder = KlvTelemetryDecoder(self._ctx, self._max_packet_bytes)
        chunk = head
        while chunk:
            for decoded in decoder.feed(chunk):
                yield FilePacket(decoded, None, None)
            chunk = read(_CHUNK_BYTES)
        for decoded in decoder.close():
            yield FilePacket(decoded, None, None)

    def _from_mpegts(self) -> Iterator[FilePacket]:
        decoders: dict[int, KlvTelemetryDecoder] = {}
        for unit in read_klv_units(self._path):
            decoder = decoders.get(unit.stream_index)
            if decoder is None:
                decoder = KlvTelemetryDecoder(self._ctx, self._max_packet_bytes)
                decoders[unit.stream_index] = decoder
            for decoded in decoder.feed(unit.data):
                yield FilePacket(decoded, unit.stream_index, unit.pts_90khz)
        for stream_index, decoder in decoders.items():
            for decoded in decoder.close():
                yield FilePacket(decoded, stream_index, None)
