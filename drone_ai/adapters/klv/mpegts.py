"""KLV data streams out of an MPEG-TS file, through PyAV (FFmpeg's demuxer).

STANAG 4609 carries KLV next to the video in two ways (MISB ST 1402): asynchronous streams
(stream_type 0x06 with a "KLVA" registration descriptor, PES stream_id 0xBD, PTS optional)
whose PES payloads are KLV packets as they are, and synchronous streams (stream_type 0x15 with a
metadata descriptor, stream_id 0xFC, PTS required) whose PES payloads are Metadata AU cells,
each a 5-byte header before its KLV bytes. FFmpeg names both codecs "klv"; what it leaves of the
cell headers is unwrapped here (`unwrap_au_cells`).

PyAV types never leave this module: callers get `KlvDataUnit`s of plain bytes and integers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from drone_ai.adapters.klv.ber import decode_length
from drone_ai.errors import KlvError, SourceError

_KLV_CODEC_NAME = "klv"
_UL_PREFIX = b"\x06\x0e\x2b\x34"
_AU_CELL_HEADER_BYTES = 5
_RESERVED_BITS = 0x0F  # the low nibble of a cell header's third byte
_KEY_BYTES = 16


@dataclass(frozen=True, slots=True)
class KlvDataUnit:
    """The KLV bytes of one PES payload of one data stream, with its PTS (90 kHz) if any."""

    stream_index: int
    pts_90khz: int | None
    data: bytes


def unwrap_au_cells(payload: bytes) -> bytes:
    """The KLV bytes of one PES payload of a KLV data stream.

    Synchronous metadata (H.222.0 2.12.4) comes in Metadata AU cells: metadata_service_id (8
    bits), sequence_number (8), cell_fragment_indication (2), decoder_config_flag (1),
    random_access_indicator (1), reserved (4, all ones), AU_cell_data_length (16), then the
    data. FFmpeg removes the first cell's header of a stream_type 0x15 payload and leaves the
    headers of any later cells. So a payload that starts with a KLV key and continues, after
    that packet, with whole cells is unwrapped; so is one made of whole cells from its first
    byte. Anything else (asynchronous KLV, or cells that do not add up) is returned unchanged:
    the packet finder copes with whatever it is.
    """
    if payload.startswith(_UL_PREFIX):
        first_end = _klv_packet_end(payload)
        if first_end is None or first_end == len(payload):
            return payload
        rest = _cells(payload, first_end)
        return payload[:first_end] + rest if rest is not None else payload
    cells = _cells(payload, 0)
    return cells if cells else payload


def _klv_packet_end(payload: bytes) -> int | None:
    try:
        length, value_start = decode_length(payload, _KEY_BYTES, len(payload))
    except KlvError:
        return None
    end = value_start + length
    return end if end <= len(payload) else None


def _cells(payload: bytes, pos: int) -> bytes | None:
    """The joined data of the AU cells filling payload[pos:] exactly, or None."""
    data: list[bytes] = []
    size = len(payload)
    while pos + _AU_CELL_HEADER_BYTES <= size:
        if payload[pos + 2] & _RESERVED_BITS != _RESERVED_BITS:
            return None
        start = pos + _AU_CELL_HEADER_BYTES
        stop = start + int.from_bytes(payload[pos + 3 : start], "big")
        if stop > size:
            return None
        data.append(payload[start:stop])
        pos = stop
    return b"".join(data) if pos == size else None


def read_klv_units(path: Path) -> Iterator[KlvDataUnit]:
    """Every KLV data unit of every KLV data stream in the MPEG-TS file at `path`, in file order.

    Raises SourceError when the file cannot be opened as a container; damage inside the file
    makes FFmpeg skip what it cannot parse, and the KLV that remains is still delivered.
    """
    try:
        container = av.open(str(path), format="mpegts")
    except (OSError, av.FFmpegError) as exc:
        raise SourceError(f"{path}: an MPEG-TS file expected, could not open it: {exc}") from exc
    with container:
        streams = [s for s in container.streams if s.type == "data" and s.name == _KLV_CODEC_NAME]
        if not streams:
            return
        try:
            for packet in container.demux(streams):
                if packet.size == 0:
                    continue  # the flush packet PyAV sends at the end of each stream
                yield KlvDataUnit(packet.stream.index, packet.pts, unwrap_au_cells(bytes(packet)))
        except av.FFmpegError as exc:
            raise SourceError(f"{path}: MPEG-TS demuxing failed: {exc}") from exc
