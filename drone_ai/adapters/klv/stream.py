"""Finding KLV packets in a byte stream that may hold garbage, damage and cut-off packets.

The stream is fed in chunks of any size (file reads, UDP datagrams, MPEG-TS PES payloads).
Packets are found by the 4-byte SMPTE universal-label prefix (06 0E 2B 34) and read as
key / BER length / value. Whatever fails on the way is refused through the `DecodeContext`, and
the search goes on from the byte after the refused packet's key, not from the end its length
claimed: a corrupt length or a damaged packet therefore never hides the good packets after it.

Memory stays bounded: a length above `max_packet_bytes` is refused before anything is read,
and the stream only ever holds back one incomplete packet of at most that size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from domain.telemetry import TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv.ber import decode_length
from drone_ai.adapters.klv.policy import DecodeContext
from drone_ai.errors import (
    KlvError,
    KlvFramingError,
    KlvRejectReason,
    KlvUnknownKeyError,
)

UL_PREFIX = b"\x06\x0e\x2b\x34"
KEY_BYTES = 16
DEFAULT_MAX_PACKET_BYTES = 65_536


class PacketCodec(Protocol):
    """What the stream needs of a standard: its key, a packet decoder, a sample mapping."""

    @property
    def key(self) -> bytes: ...

    @property
    def standard(self) -> TelemetryStandard: ...

    def decode(
        self, buf: bytes, key_start: int, value_start: int, value_end: int, ctx: DecodeContext
    ) -> dict[int, object]: ...

    def to_sample(self, items: Mapping[int, object]) -> TelemetrySample: ...


@dataclass(frozen=True, slots=True)
class KlvPacket:
    """One decoded packet: its standard, its items by tag, and where it sat in the stream."""

    standard: TelemetryStandard
    items: Mapping[int, object]
    offset: int
    size: int


class KlvStream:
    """Incremental KLV packet finder and decoder for one byte stream."""

    def __init__(
        self,
        codecs: Iterable[PacketCodec],
        ctx: DecodeContext,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
    ) -> None:
        self._codecs = {codec.key: codec for codec in codecs}
        self._ctx = ctx
        self._max_packet_bytes = max_packet_bytes
        self._pending = b""
        self._pending_offset = 0  # stream offset of self._pending[0]
        self._after_refusal = False  # bytes skipped right after a refusal are part of it

    @property
    def buffered_bytes(self) -> int:
        """Bytes held back for an incomplete packet (bounded by the maximum packet size)."""
        return len(self._pending)

    def feed(self, data: bytes) -> list[KlvPacket]:
        """Decode every packet that `data` completes; hold back an incomplete tail."""
        buf = self._pending + data if self._pending else bytes(data)
        packets: list[KlvPacket] = []
        pos = self._scan(buf, packets)
        self._pending_offset += pos
        self._pending = buf[pos:]
        return packets

    def close(self) -> None:
        """End of input: what was held back can never complete, so it is refused."""
        rest, self._pending = self._pending, b""
        if not rest:
            return
        self._ctx.counts.skipped_bytes += len(rest)
        if rest.startswith(UL_PREFIX):
            self._ctx.refuse(
                KlvFramingError(
                    KlvRejectReason.TRUNCATED,
                    f"input ended inside a packet that began at byte {self._pending_offset}",
                )
            )
        elif not self._after_refusal:
            self._ctx.refuse(self._garbage(len(rest), self._pending_offset))
        self._pending_offset += len(rest)

    def _scan(self, buf: bytes, packets: list[KlvPacket]) -> int:
        """Decode packets from buf into `packets`; return the offset of the first byte kept."""
        pos = 0
        size = len(buf)
        while True:
            start = buf.find(UL_PREFIX, pos)
            if start < 0:
                # The last three bytes may be the start of a prefix cut by the chunk boundary.
                keep = max(pos, size - len(UL_PREFIX) + 1)
                self._skip(buf, pos, keep)
                return keep
            self._skip(buf, pos, start)
            pos = start
            if size - start <= KEY_BYTES:
                return start
            try:
                length, value_start = decode_length(buf, start + KEY_BYTES, size)
            except KlvFramingError as exc:
                if exc.reason is KlvRejectReason.TRUNCATED:
                    return start  # the length itself is cut off: wait for more bytes
                pos = self._refused(exc, start)
                continue
            if length > self._max_packet_bytes:
                pos = self._refused(
                    KlvFramingError(
                        KlvRejectReason.LENGTH_OVER_LIMIT,
                        f"packet at byte {self._pending_offset + start}: length of at most "
                        f"{self._max_packet_bytes} expected, got {length}",
                    ),
                    start,
                )
                continue
            value_end = value_start + length
            if value_end > size:
                return start
            codec = self._codecs.get(buf[start : start + KEY_BYTES])
            if codec is None:
                pos = self._unknown(buf, start, value_start, value_end)
                continue
            try:
                items = codec.decode(buf, start, value_start, value_end, self._ctx)
            except KlvError as exc:
                pos = self._refused(exc, start)
                continue
            packets.append(
                KlvPacket(codec.standard, items, self._pending_offset + start, value_end - start)
            )
            self._after_refusal = False
            pos = value_end

    def _skip(self, buf: bytes, start: int, stop: int) -> None:
        if stop <= start:
            return
        self._ctx.counts.skipped_bytes += stop - start
        if not self._after_refusal:
            self._ctx.refuse(self._garbage(stop - start, self._pending_offset + start))
            self._after_refusal = True

    def _refused(self, error: KlvError, start: int) -> int:
        self._ctx.refuse(error)
        self._after_refusal = True
        return start + 1

    def _unknown(self, buf: bytes, start: int, value_start: int, value_end: int) -> int:
        """Skip a well-framed packet of another standard, unless one of ours hides inside it
        (its key may be a damaged copy of ours, its length a damaged one too)."""
        key = buf[start : start + KEY_BYTES]
        self._ctx.refuse(
            KlvUnknownKeyError(
                KlvRejectReason.UNKNOWN_KEY,
                f"packet at byte {self._pending_offset + start}: a known universal key "
                f"expected, got {key.hex()}",
            )
        )
        hidden = [
            found for ours in self._codecs if (found := buf.find(ours, value_start, value_end)) >= 0
        ]
        if hidden:
            self._after_refusal = True
            return min(hidden)
        self._after_refusal = False
        return value_end

    @staticmethod
    def _garbage(count: int, offset: int) -> KlvFramingError:
        return KlvFramingError(
            KlvRejectReason.GARBAGE,
            f"{count} bytes at byte {offset}: a KLV universal key expected",
        )
