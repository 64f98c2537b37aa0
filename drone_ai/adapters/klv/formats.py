"""Value formats of KLV items: how one item's bytes become a Python value and back.

Each format decodes the bytes of one item (raising `KlvValueError` with a reason when they break
the format), encodes a value back, renders a decoded value as JSON for people and tools, and
states its resolution (the step between two encodable values; 0 where exact), which tests use as
their tolerance. Decoded values are plain Python: int, float, str, bytes, frozenset of bit
numbers, tuples, read-only mappings for nested sets, and `None` for a value the sender marked as
an error or could not give.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Callable, Mapping
from typing import TypeAlias, TypeVar

from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.errors import KlvRejectReason, KlvValueError

_DOUBLE = struct.Struct(">d")
_SINGLE = struct.Struct(">f")

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None


def bad_length(what: str, expected: str, got: int) -> KlvValueError:
    return KlvValueError(KlvRejectReason.ITEM_BAD_LENGTH, f"{what}: expected {expected}, got {got}")


def out_of_range(what: str, expected: str, got: object) -> KlvValueError:
    return KlvValueError(
        KlvRejectReason.ITEM_OUT_OF_RANGE, f"{what}: expected {expected}, got {got!r}"
    )


_T = TypeVar("_T")


def expect(value: object, kind: type[_T], what: str) -> _T:
    """`value` as a `kind`, or KlvValueError naming what was expected and what arrived."""
    if not isinstance(value, kind):
        raise out_of_range(what, f"a {kind.__name__}", value)
    return value


def require_int(value: object, what: str) -> int:
    if type(value) is not int:
        raise out_of_range(what, "an int", value)
    return value


def require_float(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise out_of_range(what, "a number", value)
    return float(value)


def plain_json(value: object) -> Json:
    """A decoded value as JSON: dataclasses as objects, bit sets as sorted lists, bytes as hex,
    and a float that JSON cannot hold (NaN, infinity) as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, frozenset):
        return sorted(plain_json(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, tuple | list):
        return [plain_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return repr(value)


def decode_text(data: bytes, codec: str, what: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise KlvValueError(
            KlvRejectReason.ITEM_BAD_TEXT, f"{what}: {codec} expected, got {data[:32]!r}"
        ) from exc


def encode_text(value: str, codec: str) -> bytes:
    try:
        return value.encode(codec)
    except UnicodeEncodeError as exc:  # lone surrogates have no encoding
        raise KlvValueError(
            KlvRejectReason.ITEM_BAD_TEXT, f"text: encodable in {codec} expected, got {value!r}"
        ) from exc


class ItemFormat:
    """Base of every format. Subclasses override `decode`, `encode` and, if needed, `to_json`."""

    __slots__ = ()
    resolution: float = 0.0

    def decode(self, data: bytes) -> object:
        raise NotImplementedError

    def decoder(self) -> Callable[[bytes], object]:
        """The function a local set calls per item: `decode`, or a closure specialised for
        speed where a format sits on the hot path of every packet."""
        return self.decode

    def encode(self, value: object) -> bytes:
        raise NotImplementedError

    def to_json(self, value: object) -> Json:
        return plain_json(value)


class UInt(ItemFormat):
    """An unsigned big-endian integer of a fixed length, or of 1 to 8 bytes when `length` is None
    (the encoder then writes the fewest bytes)."""

    __slots__ = ("length",)

    def __init__(self, length: int | None = None) -> None:
        self.length = length

    def decode(self, data: bytes) -> int:
        size = len(data)
        if size != self.length and (self.length is not None or not 1 <= size <= 8):
            raise bad_length("unsigned integer", f"{self.length or '1 to 8'} bytes", size)
        return int.from_bytes(data, "big")

    def encode(self, value: object) -> bytes:
        number = require_int(value, "unsigned integer")
        size = self.length or min(8, max(1, (number.bit_length() + 7) // 8))
        if not 0 <= number < 1 << (8 * size):
            raise out_of_range("unsigned integer", f"0 to {(1 << (8 * size)) - 1}", number)
        return number.to_bytes(size, "big")


class SInt(ItemFormat):
    """A two's-complement big-endian integer, fixed length or 1 to 8 bytes when None."""

    __slots__ = ("length",)

    def __init__(self, length: int | None = None) -> None:
        self.length = length

    def decode(self, data: bytes) -> int:
        size = len(data)
        if size != self.length and (self.length is not None or not 1 <= size <= 8):
            raise bad_length("signed integer", f"{self.length or '1 to 8'} bytes", size)
        return int.from_bytes(data, "big", signed=True)

    def encode(self, value: object) -> bytes:
        number = require_int(value, "signed integer")
        # Two's complement needs the magnitude's bits plus a sign bit (~n for negatives).
        sign_and_magnitude = (number if number >= 0 else ~number).bit_length() + 1
        size = self.length or min(8, (sign_and_magnitude + 7) // 8)
        limit = 1 << (8 * size - 1)
        if not -limit <= number < limit:
            raise out_of_range("signed integer", f"{-limit} to {limit - 1}", number)
        return number.to_bytes(size, "big", signed=True)


class Scaled(ItemFormat):
    """MISB ST 0601's fixed-length scaled integers ("uint16 mapped to 0..360").

    Unsigned: value = raw * (high - low) / (2^(8L) - 1) + low.
    Signed (symmetric ranges only): value = raw * (high - low) / (2^(8L) - 2), with the most
    negative integer reserved as the error marker, which decodes to None.
    """

    __slots__ = (
        "_decode",
        "_marker",
        "_max_raw",
        "_min_raw",
        "high",
        "length",
        "low",
        "resolution",
    )

    def __init__(self, low: float, high: float, length: int, *, signed: bool = False) -> None:
        bits = 8 * length
        self.length = length
        self.low = low
        self.high = high
        if signed:
            if low != -high:
                raise out_of_range("signed scaled range", "a range symmetric about 0", (low, high))
            self.resolution = (high - low) / ((1 << bits) - 2)
            self._marker: int | None = -(1 << (bits - 1))
            self._min_raw = -(1 << (bits - 1)) + 1
            self._max_raw = (1 << (bits - 1)) - 1
        else:
            self.resolution = (high - low) / ((1 << bits) - 1)
            self._marker = None
            self._min_raw = 0
            self._max_raw = (1 << bits) - 1
        self._decode = self._specialise()

    def decode(self, data: bytes) -> float | None:
        return self._decode(data)

    def decoder(self) -> Callable[[bytes], float | None]:
        return self._decode

    def _specialise(self) -> Callable[[bytes], float | None]:
        # Closures over locals: the per-item path of every packet, twice as fast as attributes.
        length, step, low, marker = self.length, self.resolution, self.low, self._marker
        from_bytes = int.from_bytes

        def unsigned(data: bytes) -> float | None:
            if len(data) != length:
                raise bad_length("scaled integer", f"{length} bytes", len(data))
            return from_bytes(data, "big") * step + low

        def signed(data: bytes) -> float | None:
            if len(data) != length:
                raise bad_length("scaled integer", f"{length} bytes", len(data))
            raw = from_bytes(data, "big", signed=True)
            return None if raw == marker else raw * step

        return unsigned if marker is None else signed

    def encode(self, value: object) -> bytes:
        number = require_float(value, "scaled integer")
        if not self.low <= number <= self.high:
            raise out_of_range("scaled value", f"[{self.low}, {self.high}]", number)
        if self._marker is None:
            raw = round((number - self.low) / self.resolution)
        else:
            raw = round(number / self.resolution)
        raw = min(max(raw, self._min_raw), self._max_raw)
        return raw.to_bytes(self.length, "big", signed=self._marker is not None)


class ImapbFormat(ItemFormat):
    """An IMAPB (ST 1201) float of any length the sender chose; encoded at `length` bytes."""

    __slots__ = ("_by_length", "_encoder", "high", "low", "resolution")

    def __init__(self, low: float, high: float, length: int) -> None:
        self.low = low
        self.high = high
        self._by_length = {size: Imapb(low, high, size) for size in range(1, 9)}
        self._encoder = self._by_length[length]
        self.resolution = self._encoder.resolution

    def resolution_at(self, length: int) -> float:
        """The step between encodable values when a sender uses `length` bytes."""
        return self._by_length[length].resolution

    def decode(self, data: bytes) -> float | None:
        mapping = self._by_length.get(len(data))
        if mapping is None:
            raise bad_length("IMAPB value", "1 to 8 bytes", len(data))
        return mapping.decode(data)

    def encode(self, value: object) -> bytes:
        return self._encoder.encode(require_float(value, "IMAPB value"))


class Text(ItemFormat):
    """A UTF-8 string (ST 0601 strings are ISO 646 or UTF-8, 1 to `max_bytes` bytes)."""

    __slots__ = ("max_bytes",)

    def __init__(self, max_bytes: int = 127) -> None:
        self.max_bytes = max_bytes

    def decode(self, data: bytes) -> str:
        if len(data) > self.max_bytes:
            raise bad_length("text", f"at most {self.max_bytes} bytes", len(data))
        return decode_text(data, "utf-8", "text")

    def encode(self, value: object) -> bytes:
        if not isinstance(value, str):
            raise out_of_range("text", "a str", value)
        data = encode_text(value, "utf-8")
        if not 0 < len(data) <= self.max_bytes:
            raise bad_length("text", f"1 to {self.max_bytes} bytes of UTF-8", len(data))
        return data


class Enumeration(UInt):
    """An unsigned integer naming one of a closed set of values. Values the table does not know
    decode as the integer all the same (newer senders add values), and render without a name."""

    __slots__ = ("names",)

    def __init__(self, names: Mapping[int, str], length: int | None = 1) -> None:
        super().__init__(length)
        self.names = dict(names)

    def to_json(self, value: object) -> Json:
        if not isinstance(value, int):
            return None
        return {"value": value, "name": self.names.get(value)}


class Flags(ItemFormat):
    """A bit field; decodes to the frozenset of set bit numbers (bit 0 is the least significant),
    and renders each set bit with its name."""

    __slots__ = ("length", "names")

    def __init__(self, names: Mapping[int, str], length: int | None = 1) -> None:
        self.names = dict(names)
        self.length = length

    def decode(self, data: bytes) -> frozenset[int]:
        if self.length is not None and len(data) != self.length:
            raise bad_length("bit flags", f"{self.length} bytes", len(data))
        if not 1 <= len(data) <= 32:
            raise bad_length("bit flags", "1 to 32 bytes", len(data))
        bits = int.from_bytes(data, "big")
        return frozenset(i for i in range(bits.bit_length()) if bits >> i & 1)

    def encode(self, value: object) -> bytes:
        if not isinstance(value, frozenset | set) or not all(
            type(bit) is int and 0 <= bit < 256 for bit in value
        ):
            raise out_of_range("bit flags", "a set of bit numbers", value)
        bits: int = sum(1 << bit for bit in value)
        size = self.length or max(1, (bits.bit_length() + 7) // 8)
        if bits >= 1 << (8 * size):
            raise out_of_range("bit flags", f"bits below {8 * size}", sorted(value))
        return bits.to_bytes(size, "big")

    def to_json(self, value: object) -> Json:
        if not isinstance(value, frozenset):
            return None
        return [{"bit": bit, "name": self.names.get(bit)} for bit in sorted(value)]


class RawBytes(ItemFormat):
    """Bytes kept as they arrived: items we carry but do not interpret."""

    __slots__ = ()

    def decode(self, data: bytes) -> bytes:
        return bytes(data)

    def encode(self, value: object) -> bytes:
        if not isinstance(value, bytes):
            raise out_of_range("raw item", "bytes", value)
        return value

    def to_json(self, value: object) -> Json:
        return value.hex() if isinstance(value, bytes) else None


class Utf16Text(ItemFormat):
    """A UTF-16 (big-endian) string, as MISB ST 0102 writes object country codes."""

    __slots__ = ()

    def decode(self, data: bytes) -> str:
        return decode_text(data, "utf-16-be", "text")

    def encode(self, value: object) -> bytes:
        if not isinstance(value, str):
            raise out_of_range("text", "a str", value)
        return encode_text(value, "utf-16-be")


class Float(ItemFormat):
    """An IEEE 754 big-endian float of 4 or 8 bytes (EG 0104 items); NaN and infinities, which
    carry no position or angle, decode to None. Encoded at `length` bytes."""

    __slots__ = ("length",)

    def __init__(self, length: int = 8) -> None:
        self.length = length

    def decode(self, data: bytes) -> float | None:
        if len(data) == 8:
            value: float = _DOUBLE.unpack(data)[0]
        elif len(data) == 4:
            value = _SINGLE.unpack(data)[0]
        else:
            raise bad_length("IEEE float", "4 or 8 bytes", len(data))
        return value if math.isfinite(value) else None

    def encode(self, value: object) -> bytes:
        number = require_float(value, "IEEE float")
        try:
            return (_DOUBLE if self.length == 8 else _SINGLE).pack(number)
        except OverflowError as exc:
            raise out_of_range(
                "IEEE float", f"a value that fits {self.length} bytes", number
            ) from exc
