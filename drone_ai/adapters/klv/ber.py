"""BER lengths and BER-OID integers as KLV uses them (SMPTE 336, MISB ST 0601 section 6).

A BER length is one byte below 0x80 (short form), or 0x80 | n followed by n big-endian bytes
(long form). The indefinite form (0x80 alone) has no meaning in KLV and is refused. A BER-OID
integer carries seven bits per byte, most significant group first, with the high bit set on
every byte but the last.
"""

from __future__ import annotations

from drone_ai.errors import KlvFramingError, KlvRejectReason, KlvValueError

# Long-form lengths of more than eight bytes cannot describe anything a computer could hold.
_MAX_LENGTH_BYTES = 8
# Tags and the identifiers inside ST 0601 items fit far below 2**63; a longer BER-OID is noise.
MAX_OID_BYTES = 9


def decode_length(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read a BER length at `pos`; return (length, position after it).

    Raises KlvFramingError with TRUNCATED when the length runs past `end`, and BAD_LENGTH when
    it is malformed.
    """
    if pos >= end:
        raise KlvFramingError(KlvRejectReason.TRUNCATED, f"BER length expected at byte {pos}")
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > _MAX_LENGTH_BYTES:
        raise KlvFramingError(
            KlvRejectReason.BAD_LENGTH,
            f"BER long-form length with 1 to {_MAX_LENGTH_BYTES} bytes expected, "
            f"got first byte 0x{first:02x} at byte {pos}",
        )
    stop = pos + 1 + count
    if stop > end:
        raise KlvFramingError(
            KlvRejectReason.TRUNCATED, f"BER length of {count} bytes runs past byte {end}"
        )
    return int.from_bytes(buf[pos + 1 : stop], "big"), stop


def encode_length(length: int) -> bytes:
    """The shortest BER encoding of `length`."""
    if length < 0:
        raise KlvValueError(
            KlvRejectReason.ITEM_OUT_OF_RANGE,
            f"BER length: expected a non-negative integer, got {length}",
        )
    if length < 0x80:
        return bytes((length,))
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def decode_oid(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Read a BER-OID integer at `pos`; return (value, position after it)."""
    value = 0
    stop = min(end, pos + MAX_OID_BYTES)
    while pos < stop:
        byte = buf[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    if stop < end:
        raise KlvFramingError(
            KlvRejectReason.BAD_LENGTH, f"BER-OID integer longer than {MAX_OID_BYTES} bytes"
        )
    raise KlvFramingError(KlvRejectReason.TRUNCATED, f"BER-OID integer runs past byte {end}")


def encode_oid(value: int) -> bytes:
    """The BER-OID encoding of a non-negative integer."""
    if value < 0:
        raise KlvValueError(
            KlvRejectReason.ITEM_OUT_OF_RANGE,
            f"BER-OID: expected a non-negative integer, got {value}",
        )
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))
