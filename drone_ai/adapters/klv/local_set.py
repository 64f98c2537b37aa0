"""MISB local sets: a run of (BER-OID tag, BER length, value) items, read through a table that
gives each tag its name, unit and value format.

An item of length zero decodes to `None`: the sender has no value for it.
Structure errors (an item whose length runs past the set) make the whole set unreadable and
raise `KlvFramingError`: nothing after them can be trusted. A single item that breaks its format
is refused through the `DecodeContext` (raised under STRICT, counted and left out under LENIENT)
and the rest of the set is still read. Tags the table does not know are kept as raw bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from drone_ai.adapters.klv.ber import decode_length, decode_oid, encode_length, encode_oid
from drone_ai.adapters.klv.formats import ItemFormat, Json, RawBytes, out_of_range
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.errors import KlvError, KlvFramingError, KlvRejectReason

_RAW = RawBytes()


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One item of a local set: its tag, the standard's name, its unit ("" if none), format."""

    tag: int
    name: str
    fmt: ItemFormat
    unit: str = ""


class LocalSetTable:
    """The items of one local set standard, by tag."""

    __slots__ = ("_decoders", "name", "specs")

    def __init__(self, name: str, specs: Iterable[ItemSpec]) -> None:
        self.name = name
        self.specs: dict[int, ItemSpec] = {}
        for spec in specs:
            if spec.tag in self.specs:
                raise KlvFramingError(
                    KlvRejectReason.DUPLICATE_ITEM, f"{name}: tag {spec.tag} defined twice"
                )
            self.specs[spec.tag] = spec
        self._decoders: dict[int, Callable[[bytes], object]] = {
            tag: spec.fmt.decoder() for tag, spec in self.specs.items()
        }

    def decode(self, buf: bytes, pos: int, end: int, ctx: DecodeContext) -> dict[int, object]:
        """Decode the items in buf[pos:end] into {tag: value}, in the order they arrived."""
        items: dict[int, object] = {}
        decoders = self._decoders
        while pos < end:
            # Fast paths for the one-byte tags and short lengths nearly every item uses.
            tag = buf[pos]
            pos += 1
            if tag >= 0x80:
                tag, pos = decode_oid(buf, pos - 1, end)
            if pos >= end:
                raise KlvFramingError(
                    KlvRejectReason.TRUNCATED, f"{self.name} item {tag}: no length before the end"
                )
            length = buf[pos]
            pos += 1
            if length >= 0x80:
                length, pos = decode_length(buf, pos - 1, end)
            stop = pos + length
            if stop > end:
                raise KlvFramingError(
                    KlvRejectReason.TRUNCATED,
                    f"{self.name} item {tag}: {length} bytes run past the end of the set",
                )
            if tag in items:
                ctx.refuse(
                    KlvFramingError(
                        KlvRejectReason.DUPLICATE_ITEM, f"{self.name} item {tag} appears twice"
                    )
                )
            elif length == 0:
                # A zero-length item says the sender has no value for it (ST 0601 6.3.5).
                items[tag] = None
            else:
                decoder = decoders.get(tag)
                if decoder is None:
                    items[tag] = buf[pos:stop]
                else:
                    try:
                        items[tag] = decoder(buf[pos:stop])
                    except KlvError as exc:
                        ctx.refuse(self._in_item(tag, exc))
            pos = stop
        return items

    def encode(self, items: Mapping[int, object]) -> bytes:
        """Encode {tag: value} in the given order; `None` values are left out."""
        parts: list[bytes] = []
        for tag, value in items.items():
            if value is None:
                continue
            spec = self.specs.get(tag)
            try:
                data = (spec.fmt if spec else _RAW).encode(value)
            except KlvError as exc:
                raise self._in_item(tag, exc) from exc
            parts += (encode_oid(tag), encode_length(len(data)), data)
        return b"".join(parts)

    def describe(self, tag: int) -> tuple[str, str]:
        """(name, unit) of a tag, also for tags the table does not know."""
        spec = self.specs.get(tag)
        return (spec.name, spec.unit) if spec else (f"Unknown item {tag}", "")

    def to_json(self, items: Mapping[int, object]) -> list[Json]:
        """Items as JSON objects with their tag, name, unit and value, in order."""
        rendered: list[Json] = []
        for tag, value in items.items():
            spec = self.specs.get(tag)
            name, unit = self.describe(tag)
            json_value = (spec.fmt if spec else _RAW).to_json(value)
            entry: dict[str, Json] = {"tag": tag, "name": name, "value": json_value}
            if unit:
                entry["unit"] = unit
            rendered.append(entry)
        return rendered

    def _in_item(self, tag: int, error: KlvError) -> KlvError:
        name, _ = self.describe(tag)
        located = type(error)(error.reason, f"{self.name} item {tag} ({name}): {error.detail}")
        located.__cause__ = error
        return located


class LocalSetFormat(ItemFormat):
    """A local set nested as the value of an item (ST 0102 inside ST 0601 item 48, say).

    The nested set is read strictly: if any part of it is broken, the whole item is refused, and
    the outer decoder's policy decides whether that stops the packet.
    """

    __slots__ = ("table",)

    def __init__(self, table: LocalSetTable) -> None:
        self.table = table

    def decode(self, data: bytes) -> Mapping[int, object]:
        return MappingProxyType(
            self.table.decode(data, 0, len(data), DecodeContext(DecodePolicy.STRICT))
        )

    def encode(self, value: object) -> bytes:
        if not isinstance(value, Mapping):
            raise out_of_range(self.table.name, "a mapping of tag to value", value)
        return self.table.encode(value)

    def to_json(self, value: object) -> Json:
        return self.table.to_json(value) if isinstance(value, Mapping) else None
