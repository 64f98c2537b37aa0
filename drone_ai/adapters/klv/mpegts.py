"""KLV data streams out of an MPEG-TS file, through PyAV (FFmpeg's demuxer).

STANAG 4609 carries KLV next to the video in two ways (MISB ST 1402): asynchronous streams
(stream_type 0x06 with a "KLVA" registration descriptor; PTS optional) whose PES payloads are
KLV packets as they are, and synchronous streams (stream_type 0x15, metadata carried in
Metadata Access Units) whose PES payloads are one or more AU cells, each a 5-byte header before
its KLV bytes. FFmpeg names both codecs "klv" and hands over the PES payload untouched, so the
cells are unwrapped here. A payload that does not parse as cells is taken as plain KLV: the
packet finder copes with whatever it is.

PyAV types never leave this module: callers get `KlvDataUnit`s of plain bytes and integers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from drone_ai.errors import SourceError

_KLV_CODEC_NAME = "klv"
_UL_PREFIX = b"\x06\x0e\x2b\x34"
_AU_CELL_HEADER_BYTES = 5


@dataclass(frozen=True, slots=True)
class KlvDataUnit:
    """The KLV bytes of one PES payload of one data stream, with its PTS (90 kHz) if any."""

    stream_index: int
    pts_90khz: int | None
    data: bytes


def unwrap_au_cells(payload: bytes) -> bytes:
    """The KLV bytes of a payload of synchronous metadata (ST 1402 / H.222 metadata AU cells).

    Each cell: metadata_service_id (8 bits), sequence_number (8), cell_fragment_indication (2),
    decoder_config_flag (1), random_access_indicator (1), reserved (4), AU_cell_data_length
    (16), then that many bytes. A payload that already starts with a KLV key, or whose cells do
    not add up to exactly its length, is returned unchanged.
    """
    if payload.startswith(_UL_PREFIX):
        return payload
    cells: list[bytes] = []
    pos = 0
    size = len(payload)
    while pos + _AU_CELL_HEADER_BYTES <= size:
        length = int.from_bytes(payload[pos + 3 : pos + 5], "big")
        start = pos + _AU_CELL_HEADER_BYTES
        if start + length > size:
            return payload
        cells.append(payload[start : start + length])
        pos = start + length
    if pos != size or not cells:
        return payload
    return b"".join(cells)


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
