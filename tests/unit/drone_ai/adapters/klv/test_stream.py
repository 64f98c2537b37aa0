from __future__ import annotations

import pytest

from domain.telemetry import TelemetryStandard
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import CODECS
from drone_ai.adapters.klv.st0601 import encode_packet
from drone_ai.adapters.klv.stream import KlvPacket, KlvStream
from drone_ai.errors import (
    KlvChecksumError,
    KlvFramingError,
    KlvRejectReason,
    KlvUnknownKeyError,
)

T0_US = 1_700_000_000_000_000


def packet(index: int) -> bytes:
    return encode_packet({2: T0_US + index, 5: 10.0 * index, 13: 1.5, 14: -2.5, 65: 17})


def decode_all(
    data: bytes, policy: DecodePolicy = DecodePolicy.LENIENT, chunk: int = 0
) -> tuple[list[KlvPacket], DecodeContext]:
    ctx = DecodeContext(policy)
    stream = KlvStream(CODECS, ctx, max_packet_bytes=4096)
    found: list[KlvPacket] = []
    step = chunk or len(data) or 1
    for start in range(0, len(data), step):
        found += stream.feed(data[start : start + step])
    found += stream.close()
    return found, ctx


def times(packets: list[KlvPacket]) -> list[object]:
    return [p.items[2] for p in packets]


def test_back_to_back_packets_are_all_found_with_their_offsets() -> None:
    data = b"".join(packet(i) for i in range(5))
    found, ctx = decode_all(data)
    assert times(found) == [T0_US + i for i in range(5)]
    assert [p.offset for p in found] == [i * len(packet(0)) for i in range(5)]
    assert all(p.standard is TelemetryStandard.ST0601 for p in found)
    assert ctx.counts.total == 0


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 100], ids=lambda c: f"chunk{c}")
def test_packets_split_across_feeds_decode_the_same(chunk: int) -> None:
    data = b"junk" + b"".join(packet(i) for i in range(4)) + b"tail"
    whole, whole_ctx = decode_all(data)
    pieces, pieces_ctx = decode_all(data, chunk=chunk)
    assert times(pieces) == times(whole) == [T0_US + i for i in range(4)]
    assert pieces_ctx.counts.as_dict() == whole_ctx.counts.as_dict() == {"garbage": 2}
    assert pieces_ctx.counts.skipped_bytes == whole_ctx.counts.skipped_bytes == 8


def test_garbage_between_packets_is_counted_once_per_run_and_skipped() -> None:
    data = packet(0) + b"\x00" * 50 + packet(1) + b"\x06\x0e" + packet(2)
    found, ctx = decode_all(data)
    assert times(found) == [T0_US, T0_US + 1, T0_US + 2]
    assert ctx.counts.as_dict() == {"garbage": 2}
    assert ctx.counts.skipped_bytes == 52


def test_a_damaged_packet_is_counted_and_the_next_one_still_found() -> None:
    damaged = bytearray(packet(1))
    damaged[30] ^= 0x40
    found, ctx = decode_all(packet(0) + bytes(damaged) + packet(2))
    assert times(found) == [T0_US, T0_US + 2]
    assert ctx.counts.as_dict() == {"checksum_mismatch": 1}


def test_a_corrupt_length_that_swallows_the_next_packet_does_not_hide_it() -> None:
    first = bytearray(packet(0))
    first[16] += 40  # claims 40 bytes more: the start of the next packet
    found, ctx = decode_all(bytes(first) + packet(1) + packet(2))
    assert times(found) == [T0_US + 1, T0_US + 2]
    # The claimed end falls inside the next packet, where no checksum item sits.
    assert ctx.counts.as_dict() == {"checksum_missing": 1}


def test_a_length_above_the_limit_is_refused_without_waiting_for_its_bytes() -> None:
    huge = bytes.fromhex("060e2b34020b01010e01030101000000") + b"\x84\x7f\xff\xff\xff"
    ctx = DecodeContext(DecodePolicy.LENIENT)
    stream = KlvStream(CODECS, ctx, max_packet_bytes=4096)
    found = stream.feed(huge + packet(0))
    assert times(found) == [T0_US]
    assert ctx.counts.by_reason[KlvRejectReason.LENGTH_OVER_LIMIT] == 1
    assert stream.buffered_bytes == 0


def test_memory_held_for_an_incomplete_packet_stays_under_the_limit() -> None:
    ctx = DecodeContext(DecodePolicy.LENIENT)
    stream = KlvStream(CODECS, ctx, max_packet_bytes=4096)
    claim = bytes.fromhex("060e2b34020b01010e01030101000000") + b"\x82\x0f\xff"
    stream.feed(claim)
    for _ in range(100):
        stream.feed(b"\x00" * 1000)
        assert stream.buffered_bytes <= 4096 + 19
    stream.feed(packet(0))
    stream.close()
    assert ctx.counts.by_reason[KlvRejectReason.CHECKSUM_MISSING] == 1


def test_input_that_ends_inside_a_packet_is_counted_as_truncated() -> None:
    found, ctx = decode_all(packet(0) + packet(1)[:-5])
    assert times(found) == [T0_US]
    assert ctx.counts.as_dict() == {"truncated": 1}


def test_a_packet_of_another_standard_is_skipped_whole_and_counted() -> None:
    other = bytes.fromhex("060e2b34020b01010e01030103000000") + b"\x05" + b"\x06\x0e\x2b\x34\x00"
    found, ctx = decode_all(packet(0) + other + packet(1))
    assert times(found) == [T0_US, T0_US + 1]
    assert ctx.counts.as_dict() == {"unknown_key": 1}
    assert ctx.counts.skipped_bytes == len(other)


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        pytest.param(b"xx" + packet(0), KlvFramingError, KlvRejectReason.GARBAGE, id="garbage"),
        pytest.param(
            packet(0)[:-1] + b"\x00",
            KlvChecksumError,
            KlvRejectReason.CHECKSUM_MISMATCH,
            id="checksum",
        ),
        pytest.param(
            bytes.fromhex("060e2b34020b01010e01030103000000") + b"\x00",
            KlvUnknownKeyError,
            KlvRejectReason.UNKNOWN_KEY,
            id="unknown-key",
        ),
        pytest.param(packet(0)[:40], KlvFramingError, KlvRejectReason.TRUNCATED, id="truncated"),
    ],
)
def test_strict_policy_raises_the_reason_instead_of_counting(
    data: bytes, error: type[Exception], reason: KlvRejectReason
) -> None:
    with pytest.raises(error) as caught:
        decode_all(data, DecodePolicy.STRICT)
    assert caught.value.reason is reason  # type: ignore[attr-defined]


def test_a_corrupt_length_near_the_end_of_input_hides_none_of_the_packets_it_claimed() -> None:
    first = bytearray(packet(0))
    first[16:17] = b"\x82\x07\xd0"  # claims 2000 bytes: far past the end of the input
    ctx = DecodeContext(DecodePolicy.LENIENT)
    stream = KlvStream(CODECS, ctx, max_packet_bytes=4096)
    assert stream.feed(bytes(first) + packet(1) + packet(2)) == []  # might still complete
    assert times(stream.close()) == [T0_US + 1, T0_US + 2]
    assert ctx.counts.as_dict() == {"truncated": 1}


def test_a_foreign_key_claiming_many_bytes_does_not_delay_our_packets() -> None:
    foreign = bytes.fromhex("060e2b34020b01010e01030103000000") + b"\x82\x0f\x00"
    ctx = DecodeContext(DecodePolicy.LENIENT)
    stream = KlvStream(CODECS, ctx, max_packet_bytes=4096)
    assert times(stream.feed(foreign + packet(0) + packet(1))) == [T0_US, T0_US + 1]
    assert ctx.counts.as_dict() == {"unknown_key": 1}


def eg0104_packet(t_us: int) -> bytes:
    timestamp = (
        bytes.fromhex("060e2b34010101010702010101050000") + b"\x08" + t_us.to_bytes(8, "big")
    )
    heading = bytes.fromhex("060e2b34010101070701100106000000") + b"\x04" + b"\x42\xb4\x00\x00"
    value = timestamp + heading
    return bytes.fromhex("060e2b34020101010e01010201010000") + bytes((len(value),)) + value


def test_eg0104_packets_decode_and_the_item_keys_of_a_broken_one_are_only_debris() -> None:
    broken = bytearray(eg0104_packet(T0_US))
    broken[16] -= 3  # the items no longer fill the packet: refused, no checksum to tell
    found, ctx = decode_all(bytes(broken) + eg0104_packet(T0_US + 1) + packet(2))
    assert [p.standard for p in found] == [TelemetryStandard.EG0104, TelemetryStandard.ST0601]
    assert found[0].items[1] == T0_US + 1
    assert found[0].items[3] == 90.0  # heading, EG 0104 item 3 (IEEE float)
    # One refusal for the broken packet; its item keys are not counted as packets of their own.
    assert ctx.counts.as_dict() == {"truncated": 1}
