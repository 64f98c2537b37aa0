"""KLV data streams out of MPEG-TS through PyAV: the sample files (asynchronous, with and
without PTS) and files written here with synchronous metadata (stream_type 0x15, AU cells),
which FFmpeg cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest

from drone_ai.adapters.klv.files import KlvFileTelemetrySource
from drone_ai.adapters.klv.mpegts import read_klv_units, unwrap_au_cells
from drone_ai.adapters.klv.policy import DecodePolicy
from drone_ai.adapters.klv.st0601 import encode_packet
from drone_ai.errors import SourceError
from tests.conftest import DATA_DIR, SAMPLE_FLIGHT
from tests.ts_writer import ASYNCHRONOUS, SYNCHRONOUS, au_cell, write_klv_ts

T0_US = 1_700_000_000_000_000


def packet(index: int) -> bytes:
    return encode_packet({2: T0_US + index, 13: 38.5, 14: -77.0, 5: float(index)})


def decode_file(path: Path) -> KlvFileTelemetrySource:
    return KlvFileTelemetrySource(path, DecodePolicy.STRICT)


@pytest.mark.parametrize(
    ("path", "count", "with_pts"),
    [
        pytest.param(DATA_DIR / "h264_klv.ts", 30, False, id="h264-async-no-pts"),
        pytest.param(DATA_DIR / "mpeg2_klv.ts", 30, False, id="mpeg2-async-no-pts"),
        pytest.param(SAMPLE_FLIGHT, 300, True, id="aphill-with-pts"),
    ],
)
def test_klv_next_to_the_video_is_read_from_the_sample_files(
    path: Path, count: int, with_pts: bool
) -> None:
    source = decode_file(path)
    packets = list(source.packets())
    assert len(packets) == count
    assert source.counts.total == 0
    assert all((p.pts_90khz is not None) == with_pts for p in packets)
    assert all(p.stream_index == 1 for p in packets)  # stream 0 is the video


def test_a_file_without_klv_gives_no_packets_and_no_error() -> None:
    source = decode_file(DATA_DIR / "h264_no_klv.ts")
    assert list(source.packets()) == []
    assert source.counts.total == 0


def test_synchronous_klv_in_au_cells_is_unwrapped_with_its_pts(tmp_path: Path) -> None:
    path = tmp_path / "sync.ts"
    units = [(90_000 + 3_000 * i, [packet(i)]) for i in range(20)]
    write_klv_ts(path, units, SYNCHRONOUS)
    source = decode_file(path)
    packets = list(source.packets())
    assert [p.decoded.packet.items[2] for p in packets] == [T0_US + i for i in range(20)]
    assert [p.pts_90khz for p in packets] == [pts for pts, _ in units]
    assert source.counts.total == 0


def test_several_cells_in_one_synchronous_pes_are_all_unwrapped(tmp_path: Path) -> None:
    path = tmp_path / "sync_multi.ts"
    write_klv_ts(
        path, [(90_000 * i, [packet(2 * i), packet(2 * i + 1)]) for i in range(10)], SYNCHRONOUS
    )
    source = decode_file(path)
    assert [p.decoded.packet.items[2] for p in source.packets()] == [T0_US + i for i in range(20)]
    assert source.counts.total == 0  # no cell header was left behind as garbage


def test_several_asynchronous_packets_in_one_pes_without_pts_are_split(tmp_path: Path) -> None:
    path = tmp_path / "async_multi.ts"
    write_klv_ts(
        path, [(None, [packet(3 * i + k) for k in range(3)]) for i in range(8)], ASYNCHRONOUS
    )
    packets = list(decode_file(path).packets())
    assert [p.decoded.packet.items[2] for p in packets] == [T0_US + i for i in range(24)]
    assert all(p.pts_90khz is None for p in packets)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(packet(0), packet(0), id="plain-klv"),
        pytest.param(packet(0) + packet(1), packet(0) + packet(1), id="two-plain-packets"),
        pytest.param(au_cell(packet(0), 0), packet(0), id="one-whole-cell"),
        pytest.param(
            packet(0) + au_cell(packet(1), 1), packet(0) + packet(1), id="first-header-stripped"
        ),
        pytest.param(b"\x00\x00\xdf\x00\x09short", b"\x00\x00\xdf\x00\x09short", id="bad-length"),
        pytest.param(b"", b"", id="empty"),
    ],
)
def test_au_cell_unwrapping(payload: bytes, expected: bytes) -> None:
    assert unwrap_au_cells(payload) == expected


def test_a_file_that_is_not_a_transport_stream_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "fake.ts"
    path.write_bytes(b"\x47" + b"\x00" * 500)
    with pytest.raises(SourceError):
        list(read_klv_units(path))
