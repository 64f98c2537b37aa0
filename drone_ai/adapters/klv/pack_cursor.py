"""A read cursor over the bytes of one structured item (a MISB "pack", DLP or VLP).

Every read checks that its bytes are there; running short, or a BER field that breaks its
form, raises `KlvValueError` with ITEM_MALFORMED. The cursor never allocates from a length it
reads: a length only selects a slice of bytes that already arrived.
"""

from __future__ import annotations

from drone_ai.adapters.klv.ber import decode_length, decode_oid
from drone_ai.adapters.klv.formats import decode_text
from drone_ai.errors import KlvError, KlvRejectReason, KlvValueError


class PackCursor:
    __slots__ = ("_data", "_end", "_what", "pos")

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._end = len(data)
        self._what = what
        self.pos = 0

    @property
    def remaining(self) -> int:
        return self._end - self.pos

    def malformed(self, detail: str) -> KlvValueError:
        return KlvValueError(KlvRejectReason.ITEM_MALFORMED, f"{self._what}: {detail}")

    def take(self, count: int) -> bytes:
        if count < 0 or count > self.remaining:
            raise self.malformed(
                f"{count} more bytes expected at byte {self.pos}, {self.remaining} left"
            )
        start = self.pos
        self.pos += count
        return self._data[start : self.pos]

    def uint(self, count: int) -> int:
        return int.from_bytes(self.take(count), "big")

    def sint(self, count: int) -> int:
        return int.from_bytes(self.take(count), "big", signed=True)

    def oid(self) -> int:
        try:
            value, self.pos = decode_oid(self._data, self.pos, self._end)
        except KlvError as exc:
            raise self.malformed(f"BER-OID integer at byte {self.pos}: {exc.detail}") from exc
        return value

    def length(self) -> int:
        try:
            value, self.pos = decode_length(self._data, self.pos, self._end)
        except KlvError as exc:
            raise self.malformed(f"BER length at byte {self.pos}: {exc.detail}") from exc
        return value

    def field(self) -> bytes:
        """A BER length, then that many bytes (one field of a variable-length pack)."""
        return self.take(self.length())

    def text(self, count: int) -> str:
        return decode_text(self.take(count), "utf-8", self._what)

    def finish(self) -> None:
        """Refuse bytes left over after the last field: the pack is not what it claims."""
        if self.remaining:
            raise self.malformed(f"{self.remaining} bytes left over after the last field")
