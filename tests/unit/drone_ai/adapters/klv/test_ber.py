from __future__ import annotations

import pytest

from drone_ai.adapters.klv.ber import decode_length, decode_oid, encode_length, encode_oid
from drone_ai.errors import KlvError, KlvFramingError, KlvRejectReason


@pytest.mark.parametrize(
    ("encoded", "length"),
    [
        pytest.param(b"\x00", 0, id="zero"),
        pytest.param(b"\x7f", 127, id="largest-short-form"),
        pytest.param(b"\x81\x80", 128, id="smallest-long-form"),
        pytest.param(b"\x82\x09\x63", 2403, id="two-byte-long-form"),
        pytest.param(b"\x88" + b"\xff" * 8, 2**64 - 1, id="eight-byte-long-form"),
    ],
)
def test_ber_lengths_decode_to_their_value(encoded: bytes, length: int) -> None:
    assert decode_length(encoded, 0, len(encoded)) == (length, len(encoded))


@pytest.mark.parametrize("length", [0, 1, 127, 128, 255, 256, 65_535, 2**40])
def test_ber_length_encoding_is_shortest_and_round_trips(length: int) -> None:
    encoded = encode_length(length)
    assert decode_length(encoded, 0, len(encoded)) == (length, len(encoded))
    assert len(encoded) == (1 if length < 128 else 1 + (length.bit_length() + 7) // 8)


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        pytest.param(b"\x80", KlvRejectReason.BAD_LENGTH, id="indefinite-form"),
        pytest.param(b"\x89" + b"\x01" * 9, KlvRejectReason.BAD_LENGTH, id="nine-length-bytes"),
        pytest.param(b"\x82\x01", KlvRejectReason.TRUNCATED, id="cut-long-form"),
        pytest.param(b"", KlvRejectReason.TRUNCATED, id="nothing"),
    ],
)
def test_malformed_ber_lengths_are_refused_with_their_reason(
    encoded: bytes, reason: KlvRejectReason
) -> None:
    with pytest.raises(KlvFramingError) as caught:
        decode_length(encoded, 0, len(encoded))
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("encoded", "value"),
    [
        pytest.param(b"\x01", 1, id="one-byte"),
        pytest.param(b"\x7f", 127, id="largest-one-byte"),
        pytest.param(b"\x81\x00", 128, id="smallest-two-byte"),
        pytest.param(b"\x81\x0f", 143, id="st0601-tag-143"),
    ],
)
def test_ber_oid_integers_decode_and_encode(encoded: bytes, value: int) -> None:
    assert decode_oid(encoded, 0, len(encoded)) == (value, len(encoded))
    assert encode_oid(value) == encoded


def test_ber_oid_cut_short_or_endless_is_refused() -> None:
    with pytest.raises(KlvFramingError) as cut:
        decode_oid(b"\x81\x82", 0, 2)
    assert cut.value.reason is KlvRejectReason.TRUNCATED
    with pytest.raises(KlvFramingError) as endless:
        decode_oid(b"\xff" * 20, 0, 20)
    assert endless.value.reason is KlvRejectReason.BAD_LENGTH


def test_negative_values_cannot_be_encoded() -> None:
    with pytest.raises(KlvError):
        encode_length(-1)
    with pytest.raises(KlvError):
        encode_oid(-1)
