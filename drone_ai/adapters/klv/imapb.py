"""MISB ST 1201 IMAPB: a float in [low, high] mapped onto an unsigned integer of L bytes.

The range is stretched to a power of two (bPow = ceil(log2(high - low))) and mapped onto the
lower half of the integer (dPow = 8L - 1 bits), so that an integer with its top bit set is never
a plain number: ST 1201 uses those for special values (infinities, NaNs, reserved and
user-defined patterns). The tower has no use for any of them, so each decodes to `None`,
the convention for a value the sender could not give. When the range straddles zero, an offset
(zOffset) makes 0.0 exactly representable.
"""

from __future__ import annotations

import math

from drone_ai.errors import KlvRejectReason, KlvValueError


class Imapb:
    """The IMAPB mapping of one range at one byte length."""

    __slots__ = ("_high", "_limit", "_low", "_offset", "_scale_fwd", "length", "resolution")

    def __init__(self, low: float, high: float, length: int) -> None:
        if not low < high or not 1 <= length <= 8:
            raise KlvValueError(
                KlvRejectReason.ITEM_OUT_OF_RANGE,
                f"IMAPB: expected low < high and 1..8 bytes, got [{low}, {high}] in {length}",
            )
        b_pow = math.ceil(math.log2(high - low))
        d_pow = 8 * length - 1
        self._scale_fwd = 2.0 ** (d_pow - b_pow)
        self.resolution = 2.0 ** (b_pow - d_pow)
        self._offset = 0.0
        if low < 0.0 < high:
            scaled_low = self._scale_fwd * low
            self._offset = scaled_low - math.floor(scaled_low)
        self._low = low
        self._high = high
        self._limit = 1 << d_pow
        self.length = length

    def decode(self, data: bytes) -> float | None:
        raw = int.from_bytes(data, "big")
        if raw >= self._limit:
            return None  # a special value (top bit set): infinity, NaN, reserved, user-defined
        value = self.resolution * (raw - self._offset) + self._low
        # The power-of-two stretch leaves integers that map above `high`: not a legal value.
        if value > self._high + self.resolution:
            raise KlvValueError(
                KlvRejectReason.ITEM_OUT_OF_RANGE,
                f"IMAPB value in [{self._low}, {self._high}] expected, got {value}",
            )
        return value

    def encode(self, value: float) -> bytes:
        if not self._low <= value <= self._high:
            raise KlvValueError(
                KlvRejectReason.ITEM_OUT_OF_RANGE,
                f"IMAPB value in [{self._low}, {self._high}] expected, got {value}",
            )
        # ST 1201 truncates; the small nudge keeps a value that decoded from a grid point from
        # landing one step low through float rounding, so re-encoding reproduces the bytes.
        raw = math.floor(self._scale_fwd * (value - self._low) + self._offset + 1e-6)
        return min(raw, self._limit - 1).to_bytes(self.length, "big")
