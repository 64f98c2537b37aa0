"""A minimal MPEG-TS writer for tests: one program, one KLV data stream, nothing else.

PyAV (FFmpeg) can only write asynchronous-style KLV (stream_type 0x06): synchronous metadata
(stream_type 0x15, Metadata AU cells, ISO/IEC 13818-1 2.12.4) cannot be produced with it, so
the tests that read such streams write them with this. Layout per H.222.0: PAT (PID 0), PMT
(PID 0x1000), and PES packets on PID 0x101, each split into 188-byte TS packets with
adaptation-field stuffing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TS_BYTES = 188
PMT_PID = 0x1000
KLV_PID = 0x101
KLVA = b"KLVA"


def crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _section(table_id: int, id_field: int, body: bytes) -> bytes:
    head = bytes((table_id,)) + (0xB000 | (len(body) + 9)).to_bytes(2, "big")
    head += id_field.to_bytes(2, "big") + b"\xc1\x00\x00"  # version 0, current, section 0 of 0
    section = head + body
    return b"\x00" + section + crc32_mpeg(section).to_bytes(4, "big")  # pointer_field 0


def _ts(pid: int, payload: bytes, counter: list[int]) -> bytes:
    """`payload` (a PES packet or a section) as TS packets; the first one starts the unit."""
    out = b""
    first = True
    while payload or first:
        chunk, payload = payload[:184], payload[184:]
        header = bytes((0x47, (0x40 if first else 0) | pid >> 8, pid & 0xFF))
        cc = counter[0]
        counter[0] = (cc + 1) % 16
        if len(chunk) == 184:
            out += header + bytes((0x10 | cc,)) + chunk
        else:
            stuffing = 183 - len(chunk)
            field = bytes((stuffing,)) + (b"\x00" + b"\xff" * (stuffing - 1) if stuffing else b"")
            out += header + bytes((0x30 | cc,)) + field + chunk
        first = False
    return out


def _pts_field(pts: int) -> bytes:
    return bytes(
        (
            0x21 | (pts >> 29) & 0x0E,
            (pts >> 22) & 0xFF,
            0x01 | (pts >> 14) & 0xFE,
            (pts >> 7) & 0xFF,
            0x01 | (pts << 1) & 0xFE,
        )
    )


def au_cell(data: bytes, sequence: int) -> bytes:
    """One complete Metadata AU cell: service 0, the sequence number, "complete cell,
    random access, reserved ones" (0xDF), the length, the data."""
    return bytes((0x00, sequence % 256, 0xDF)) + len(data).to_bytes(2, "big") + data


@dataclass(frozen=True)
class KlvStreamLayout:
    """How the KLV travels: stream_type, ES descriptors, PES stream_id, AU cells or not."""

    stream_type: int
    descriptors: bytes
    stream_id: int
    cells: bool


# ST 1402 synchronous: stream_type 0x15, metadata_descriptor (application format 0xFFFF +
# "KLVA", format 0xFF + "KLVA", service 0, no decoder config), metadata stream 0xFC, AU cells.
SYNCHRONOUS = KlvStreamLayout(
    0x15, b"\x26\x0d\xff\xff" + KLVA + b"\xff" + KLVA + b"\x00\x0f", 0xFC, cells=True
)
# ST 1402 asynchronous: private data, "KLVA" registration descriptor, private_stream_1.
ASYNCHRONOUS = KlvStreamLayout(0x06, b"\x05\x04" + KLVA, 0xBD, cells=False)


def write_klv_ts(
    path: Path, units: Sequence[tuple[int | None, Sequence[bytes]]], layout: KlvStreamLayout
) -> None:
    """Write one PES packet per (PTS in 90 kHz or None, KLV packets) unit."""
    pat = _section(0x00, 1, (1).to_bytes(2, "big") + (0xE000 | PMT_PID).to_bytes(2, "big"))
    es = bytes((layout.stream_type,)) + (0xE000 | KLV_PID).to_bytes(2, "big")
    es += (0xF000 | len(layout.descriptors)).to_bytes(2, "big") + layout.descriptors
    pmt = _section(0x02, 1, (0xE000 | KLV_PID).to_bytes(2, "big") + b"\xf0\x00" + es)
    out = _ts(0, pat, [0]) + _ts(PMT_PID, pmt, [0])
    counter = [0]
    sequence = 0
    for pts, packets in units:
        if layout.cells:
            payload = b""
            for packet in packets:
                payload += au_cell(packet, sequence)
                sequence += 1
        else:
            payload = b"".join(packets)
        header = b"\x84\x80\x05" + _pts_field(pts) if pts is not None else b"\x84\x00\x00"
        pes = b"\x00\x00\x01" + bytes((layout.stream_id,))
        pes += (len(header) + len(payload)).to_bytes(2, "big") + header + payload
        out += _ts(KLV_PID, pes, counter)
    path.write_bytes(out)
