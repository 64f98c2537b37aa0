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

    def is_item_key(self, key: bytes) -> bool:
        """True for a 16-byte key that labels items inside this standard's packets (EG 0104
        labels each item with one): met alone, it is debris of a packet, not a packet."""
        ...


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
        # Stream offset up to which a refused packet claimed its bytes: keys found in there
        # (EG 0104 item keys, nested sets) are part of that one refusal, not new ones.
        self._refused_until = 0

    @property
    def buffered_bytes(self) -> int:
        """Bytes held back for an incomplete packet (bounded by the maximum packet size)."""
        return len(self._pending)

    def feed(self, data: bytes) -> list[KlvPacket]:
        """Decode every packet that `data` completes; hold back an incomplete tail."""
        buf = self._pending + data if self._pending else bytes(data)
        packets: list[KlvPacket] = []
        pos = self._scan(buf, packets, final=False)
        self._pending_offset += pos
        self._pending = buf[pos:]
        return packets

    def close(self) -> list[KlvPacket]:
        """End of input (or of one datagram): nothing held back can complete any more. An
        incomplete packet is refused as truncated, and the bytes after its key are searched
        once more, so that a corrupt length near the end hides none of the packets it claimed.
        The stream can be fed again afterwards."""
        packets: list[KlvPacket] = []
        if self._pending:
            self._scan(self._pending, packets, final=True)
            self._pending_offset += len(self._pending)
            self._pending = b""
        # What comes after (the next datagram, say) starts afresh: its junk is its own.
        self._after_refusal = False
        self._refused_until = 0
        return packets

    def _scan(self, buf: bytes, packets: list[KlvPacket], *, final: bool) -> int:
        """Decode packets from buf into `packets`; return the offset of the first byte kept.
        When `final`, keep nothing: an incomplete packet is refused instead of awaited."""
        pos = 0
        size = len(buf)
        while True:
            start = buf.find(UL_PREFIX, pos)
            if start < 0:
                # The last bytes may be the start of a prefix cut by the chunk boundary.
                keep = size if final else max(pos, size - len(UL_PREFIX) + 1)
                self._skip(pos, keep)
                return keep
            self._skip(pos, start)
            pos = start
            try:
                if size - start <= KEY_BYTES:
                    raise KlvFramingError(KlvRejectReason.TRUNCATED, "cut inside the key")
                length, value_start = decode_length(buf, start + KEY_BYTES, size)
            except KlvFramingError as exc:
                if exc.reason is not KlvRejectReason.TRUNCATED:
                    pos = self._refused(exc, start)
                elif final:
                    pos = self._refused(self._truncated(start), start)
                else:
                    return start  # the key or length is cut off: wait for more bytes
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
            key = buf[start : start + KEY_BYTES]
            codec = self._codecs.get(key)
            if codec is None and any(c.is_item_key(key) for c in self._codecs.values()):
                self._skip(start, start + 1)  # debris of a broken packet: garbage
                pos = start + 1
                continue
            if codec is None:
                # Not ours: never wait for its bytes if one of our packets already follows.
                hidden = self._first_known_key(buf, value_start, min(value_end, size))
                if value_end > size and hidden < 0 and not final:
                    return start
                pos = self._unknown(buf, start, value_end if hidden < 0 else hidden, hidden >= 0)
                continue
            if value_end > size:
                if not final:
                    return start
                pos = self._refused(self._truncated(start), start)
                continue
            try:
                items = codec.decode(buf, start, value_start, value_end, self._ctx)
            except KlvError as exc:
                self._refused_until = self._pending_offset + value_end
                pos = self._refused(exc, start)
                continue
            packets.append(
                KlvPacket(codec.standard, items, self._pending_offset + start, value_end - start)
            )
            self._after_refusal = False
            pos = value_end

    def _skip(self, start: int, stop: int) -> None:
        if stop <= start:
            return
        self._ctx.counts.skipped_bytes += stop - start
        if not self._after_refusal:
            self._ctx.refuse(self._garbage(stop - start, self._pending_offset + start))
            self._after_refusal = True

    def _refused(self, error: KlvError, start: int) -> int:
        """Refuse the packet at `start` and search again from its second byte: the rest of it
        is skipped as part of this refusal, unless a packet hides inside."""
        self._ctx.refuse(error)
        self._ctx.counts.skipped_bytes += 1
        self._after_refusal = True
        return start + 1

    def _unknown(self, buf: bytes, start: int, resume: int, hides_ours: bool) -> int:
        """Refuse a packet of another standard and resume after it, or at the first packet of
        ours found inside it (its key may be a damaged copy of ours, its length a damaged one
        too)."""
        key = buf[start : start + KEY_BYTES]
        if self._pending_offset + start >= self._refused_until:
            self._ctx.refuse(
                KlvUnknownKeyError(
                    KlvRejectReason.UNKNOWN_KEY,
                    f"packet at byte {self._pending_offset + start}: a known universal key "
                    f"expected, got {key.hex()}",
                )
            )
            self._after_refusal = hides_ours
        self._ctx.counts.skipped_bytes += min(resume, len(buf)) - start
        return resume

    def _first_known_key(self, buf: bytes, start: int, stop: int) -> int:
        found = [at for key in self._codecs if (at := buf.find(key, start, stop)) >= 0]
        return min(found, default=-1)

    def _truncated(self, start: int) -> KlvFramingError:
        return KlvFramingError(
            KlvRejectReason.TRUNCATED,
            f"input ended inside a packet that began at byte {self._pending_offset + start}",
        )

    @staticmethod
    def _garbage(count: int, offset: int) -> KlvFramingError:
        return KlvFramingError(
            KlvRejectReason.GARBAGE,
            f"{count} bytes at byte {offset}: a KLV universal key expected",
        )
