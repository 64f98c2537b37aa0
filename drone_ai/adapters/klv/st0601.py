"""MISB ST 0601 packets: the universal key, the checksum (item 1), and the item table.

A packet is the 16-byte key, a BER length, and a local set whose last item must be the checksum:
tag 1, length 2, and the 16-bit sum of every byte from the first byte of the key through the
checksum's length byte, each even-offset byte taken as the high byte of a big-endian word.
"""

from __future__ import annotations

from collections.abc import Mapping

from drone_ai.adapters.klv.ber import encode_length
from drone_ai.adapters.klv.local_set import LocalSetTable
from drone_ai.adapters.klv.policy import DecodeContext
from drone_ai.adapters.klv.st0601_items import SCALAR_ITEMS
from drone_ai.adapters.klv.st0601_structured import STRUCTURED_ITEMS
from drone_ai.errors import KlvChecksumError, KlvRejectReason

ST0601_KEY = bytes.fromhex("060e2b34020b01010e01030101000000")
CHECKSUM_TAG = 1
TIMESTAMP_TAG = 2
_CHECKSUM_HEADER = b"\x01\x02"

ST0601 = LocalSetTable("MISB ST 0601", SCALAR_ITEMS + STRUCTURED_ITEMS)


def checksum(buf: bytes, start: int, stop: int) -> int:
    """The ST 0601 checksum of buf[start:stop]."""
    return ((sum(buf[start:stop:2]) << 8) + sum(buf[start + 1 : stop : 2])) & 0xFFFF


def decode_packet(
    buf: bytes, key_start: int, value_start: int, value_end: int, ctx: DecodeContext
) -> dict[int, object]:
    """Verify the checksum of the packet in buf[key_start:value_end] and decode its items.

    The checksum itself is not among the returned items: it belongs to the packet, not to the
    data. A missing or wrong checksum refuses the whole packet (KlvChecksumError is raised
    whatever the policy; the caller counts it).
    """
    crc_at = value_end - 4
    if crc_at < value_start or buf[crc_at : crc_at + 2] != _CHECKSUM_HEADER:
        raise KlvChecksumError(
            KlvRejectReason.CHECKSUM_MISSING,
            "ST 0601 packet: expected item 1 (checksum, 2 bytes) as its last item",
        )
    stored = (buf[value_end - 2] << 8) | buf[value_end - 1]
    computed = checksum(buf, key_start, value_end - 2)
    if stored != computed:
        raise KlvChecksumError(
            KlvRejectReason.CHECKSUM_MISMATCH,
            f"ST 0601 packet: stored checksum 0x{stored:04x}, computed 0x{computed:04x}",
        )
    return ST0601.decode(buf, value_start, crc_at, ctx)


def encode_packet(items: Mapping[int, object]) -> bytes:
    """A complete ST 0601 packet with a correct checksum.

    The precision time stamp (item 2) goes first, as the standard asks; the other items keep
    their order; any checksum among `items` is ignored and computed afresh.
    """
    ordered = {tag: value for tag, value in items.items() if tag == TIMESTAMP_TAG}
    ordered.update(
        (tag, value) for tag, value in items.items() if tag not in (TIMESTAMP_TAG, CHECKSUM_TAG)
    )
    body = ST0601.encode(ordered) + _CHECKSUM_HEADER
    head = ST0601_KEY + encode_length(len(body) + 2) + body
    return head + checksum(head, 0, len(head)).to_bytes(2, "big")
