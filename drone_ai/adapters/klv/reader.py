"""Bytes in, telemetry out: the KLV standards we read, put together behind one decoder.

`KlvTelemetryDecoder` is fed the bytes of one KLV stream (a file, a datagram, a PES payload) and
returns each packet with the `TelemetrySample` it describes. A packet whose items decode but
cannot form a sample (no time stamp, say) is still returned, without a sample, and the refusal
is counted (or raised, under STRICT).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.telemetry import TelemetrySample, TelemetryStandard
from drone_ai.adapters.klv import eg0104, st0601, st0601_telemetry
from drone_ai.adapters.klv.local_set import LocalSetTable
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy, RejectCounts
from drone_ai.adapters.klv.stream import (
    DEFAULT_MAX_PACKET_BYTES,
    KlvPacket,
    KlvStream,
    PacketCodec,
)
from drone_ai.errors import KlvError


class St0601Codec:
    key = st0601.ST0601_KEY
    standard = TelemetryStandard.ST0601

    def decode(
        self, buf: bytes, key_start: int, value_start: int, value_end: int, ctx: DecodeContext
    ) -> dict[int, object]:
        return st0601.decode_packet(buf, key_start, value_start, value_end, ctx)

    def to_sample(self, items: Mapping[int, object]) -> TelemetrySample:
        return st0601_telemetry.sample_from_items(items)

    def is_item_key(self, key: bytes) -> bool:
        return False  # ST 0601 items have one-byte tags


class Eg0104Codec:
    key = eg0104.EG0104_KEY
    standard = TelemetryStandard.EG0104

    def decode(
        self, buf: bytes, key_start: int, value_start: int, value_end: int, ctx: DecodeContext
    ) -> dict[int, object]:
        return eg0104.decode_packet(buf, value_start, value_end, ctx)

    def to_sample(self, items: Mapping[int, object]) -> TelemetrySample:
        return eg0104.sample_from_items(items)

    def is_item_key(self, key: bytes) -> bool:
        return eg0104.is_item_key(key)


CODECS: tuple[PacketCodec, ...] = (St0601Codec(), Eg0104Codec())

# How to name and render the items of each standard's packets.
ITEM_TABLES: Mapping[TelemetryStandard, LocalSetTable] = {
    TelemetryStandard.ST0601: st0601.ST0601,
    TelemetryStandard.EG0104: eg0104.EG0104_ITEMS,
}


@dataclass(frozen=True, slots=True)
class DecodedPacket:
    """A packet as it arrived, and the sample it describes (None if it forms none)."""

    packet: KlvPacket
    sample: TelemetrySample | None


class KlvTelemetryDecoder:
    """Incremental decoder of one KLV byte stream into packets and telemetry samples."""

    def __init__(
        self,
        ctx: DecodeContext | None = None,
        max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
    ) -> None:
        self._ctx = ctx if ctx is not None else DecodeContext(DecodePolicy.LENIENT)
        self._stream = KlvStream(CODECS, self._ctx, max_packet_bytes)
        self._codecs = {codec.standard: codec for codec in CODECS}

    @property
    def counts(self) -> RejectCounts:
        return self._ctx.counts

    @property
    def buffered_bytes(self) -> int:
        """Bytes held back for an incomplete packet (bounded by the maximum packet size)."""
        return self._stream.buffered_bytes

    def feed(self, data: bytes) -> list[DecodedPacket]:
        return [self._with_sample(packet) for packet in self._stream.feed(data)]

    def close(self) -> list[DecodedPacket]:
        """End of input: the packets a corrupt length had held back, if any."""
        return [self._with_sample(packet) for packet in self._stream.close()]

    def _with_sample(self, packet: KlvPacket) -> DecodedPacket:
        try:
            sample = self._codecs[packet.standard].to_sample(packet.items)
        except KlvError as exc:
            self._ctx.refuse(exc)
            sample = None
        return DecodedPacket(packet, sample)
