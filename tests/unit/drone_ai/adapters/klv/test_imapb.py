from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.errors import KlvRejectReason, KlvValueError


# Vectors: item values of the synthetic ST 0601.17 packets in h264_klv.ts (Kitware/kwiver,
# BSD-3-Clause), with the values KWIVER decodes them to.
@pytest.mark.parametrize(
    ("low", "high", "encoded", "value"),
    [
        pytest.param(0.0, 1_500_000.0, "00d92a", 13898.5, id="item96-target-width-extended"),
        pytest.param(-900.0, 40_000.0, "2f921e", 23456.234375, id="item103-density-altitude"),
        pytest.param(0.0, 21_000.0, "0001a0", 1.625, id="item109-range-to-recovery"),
        pytest.param(0.0, 360.0, "1f40", 125.0, id="item112-course-angle"),
        pytest.param(-900.0, 40_000.0, "05f500", 2150.0, id="item113-altitude-agl"),
        pytest.param(-1_000.0, 1_000.0, "3e90", 1.0, id="item117-azimuth-rate"),
        pytest.param(-1_000.0, 1_000.0, "3b60", -50.0, id="item119-roll-rate"),
        pytest.param(0.0, 100.0, "4800", 72.0, id="item120-storage-percent"),
        pytest.param(1.0, 99_999.0, "0257c0", 2400.0, id="item132-frequency"),
    ],
)
def test_imapb_decodes_reference_values_and_encodes_them_back(
    low: float, high: float, encoded: str, value: float
) -> None:
    data = bytes.fromhex(encoded)
    mapping = Imapb(low, high, len(data))
    assert mapping.decode(data) == pytest.approx(value, abs=mapping.resolution)
    assert mapping.encode(value) == data


def test_zero_is_exact_when_the_range_straddles_it() -> None:
    mapping = Imapb(-900.0, 40_000.0, 3)
    assert mapping.decode(mapping.encode(0.0)) == 0.0


@pytest.mark.parametrize("first_byte", [0x80, 0xC8, 0xD0, 0xE8, 0xF0, 0xFF])
def test_special_values_with_the_top_bit_set_decode_to_none(first_byte: int) -> None:
    assert Imapb(0.0, 100.0, 2).decode(bytes((first_byte, 0))) is None


def test_an_integer_beyond_the_range_is_refused_as_out_of_range() -> None:
    mapping = Imapb(0.0, 100.0, 2)  # bPow = 7: integers map up to 128
    with pytest.raises(KlvValueError) as caught:
        mapping.decode(b"\x7f\xff")
    assert caught.value.reason is KlvRejectReason.ITEM_OUT_OF_RANGE


@pytest.mark.parametrize("value", [-0.01, 100.01, math.nan, math.inf])
def test_values_outside_the_range_cannot_be_encoded(value: float) -> None:
    with pytest.raises(KlvValueError):
        Imapb(0.0, 100.0, 2).encode(value)


@given(
    value=st.floats(min_value=-900.0, max_value=40_000.0),
    length=st.integers(min_value=2, max_value=8),
)
def test_imapb_round_trip_is_within_one_resolution_step(value: float, length: int) -> None:
    mapping = Imapb(-900.0, 40_000.0, length)
    decoded = mapping.decode(mapping.encode(value))
    assert decoded is not None
    # At 7 or 8 bytes the step is finer than a double can tell apart near 40,000.
    assert abs(decoded - value) <= max(mapping.resolution, 4 * math.ulp(40_000.0))
