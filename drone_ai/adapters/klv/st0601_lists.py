"""MISB ST 0601 items whose value is a list: control command verification (116), active
wavelengths (121), wavelengths (128), airbase locations (130), payloads (138), weapons stores
(140) and waypoints (141). Records are variable-length packs: a BER length, then the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from drone_ai.adapters.klv.ber import encode_length, encode_oid
from drone_ai.adapters.klv.formats import ItemFormat, encode_text, expect, out_of_range
from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.adapters.klv.pack_cursor import PackCursor
from drone_ai.adapters.klv.st0601_packs import Location, decode_location, encode_location

_T = TypeVar("_T")

WAVELENGTHS = {1: "VIS", 2: "IR", 3: "NIR", 4: "MIR", 5: "LIR", 6: "FIR"}
PAYLOAD_TYPES = {0: "Electro Optical MI Sensor", 1: "LIDAR", 2: "RADAR", 3: "SIGINT", 4: "SAR"}
WEAPON_GENERAL_STATUS = {
    0: "Off",
    1: "Initialization",
    2: "Ready/Degraded",
    3: "Ready/All Up Round",
    4: "Launch",
    5: "Free Flight",
    6: "Abort",
    7: "Miss Fire",
    8: "Hang Fire",
    9: "Jettisoned",
    10: "Stepped Over",
    11: "No Status Available",
}
WEAPON_ENGAGEMENT_BITS = {0: "Fuze Enabled", 1: "Laser Enabled", 2: "Target Enabled"}
WEAPON_ENGAGEMENT_BITS |= {3: "Weapon Armed"}
WAYPOINT_INFO_BITS = {0: "Mode Bit", 1: "Source Bit"}


def _record(data: bytes) -> bytes:
    return encode_length(len(data)) + data


def _bits(value: int) -> frozenset[int]:
    return frozenset(i for i in range(value.bit_length()) if value >> i & 1)


def _value_of(bits: frozenset[int]) -> int:
    return sum(1 << bit for bit in bits)


def _records(value: object, kind: type[_T], what: str) -> tuple[_T, ...]:
    if not isinstance(value, tuple):
        raise out_of_range(what, f"a tuple of {kind.__name__}", value)
    return tuple(expect(record, kind, what) for record in value)


# --- Items 116 and 121: lists of BER-OID integers -------------------------------------------


class OidList(ItemFormat):
    """BER-OID integers back to back."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def decode(self, data: bytes) -> tuple[int, ...]:
        cursor = PackCursor(data, self.what)
        values: list[int] = []
        while cursor.remaining:
            values.append(cursor.oid())
        return tuple(values)

    def encode(self, value: object) -> bytes:
        if not isinstance(value, tuple) or not all(type(v) is int and v >= 0 for v in value):
            raise out_of_range(self.what, "a tuple of non-negative ints", value)
        return b"".join(encode_oid(v) for v in value)


# --- Item 128: Wavelengths List -----------------------------------------------------------

_WAVELENGTH_NM = Imapb(0.0, 1e9, 4)


@dataclass(frozen=True, slots=True)
class Wavelength:
    """A band the sensors see: its ID (1-6 standard, 21 and up user-defined), its limits in
    nanometres, and its name."""

    wavelength_id: int
    min_nm: float | None
    max_nm: float | None
    name: str


class WavelengthsFormat(ItemFormat):
    """Records of: ID (BER-OID), minimum and maximum (IMAPB 0..1e9 nm, 4 bytes each), name."""

    __slots__ = ()

    def decode(self, data: bytes) -> tuple[Wavelength, ...]:
        cursor = PackCursor(data, "wavelengths list")
        found: list[Wavelength] = []
        while cursor.remaining:
            record = PackCursor(cursor.field(), "wavelength record")
            wavelength_id = record.oid()
            low = _WAVELENGTH_NM.decode(record.take(4))
            high = _WAVELENGTH_NM.decode(record.take(4))
            found.append(Wavelength(wavelength_id, low, high, record.text(record.remaining)))
        return tuple(found)

    def encode(self, value: object) -> bytes:
        data = b""
        for band in _records(value, Wavelength, "wavelengths list"):
            data += _record(
                encode_oid(band.wavelength_id)
                + _WAVELENGTH_NM.encode(expect(band.min_nm, float, "wavelength minimum"))
                + _WAVELENGTH_NM.encode(expect(band.max_nm, float, "wavelength maximum"))
                + encode_text(band.name, "utf-8")
            )
        return data


# --- Item 130: Airbase Locations ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AirbaseLocations:
    take_off: Location | None
    recovery: Location | None = None


class AirbaseLocationsFormat(ItemFormat):
    """Two location records (take-off, then recovery); an empty record is an unknown place,
    and the recovery record may be left out."""

    __slots__ = ()

    def decode(self, data: bytes) -> AirbaseLocations:
        cursor = PackCursor(data, "airbase locations")
        places: list[Location | None] = []
        while cursor.remaining and len(places) < 2:
            field = cursor.field()
            places.append(decode_location(PackCursor(field, "airbase location")) if field else None)
        cursor.finish()
        if not places:
            raise cursor.malformed("a take-off location record expected, got none")
        return AirbaseLocations(*places)

    def encode(self, value: object) -> bytes:
        value = expect(value, AirbaseLocations, "airbase locations")
        data = _record(encode_location(value.take_off) if value.take_off else b"")
        if value.recovery is not None:
            data += _record(encode_location(value.recovery))
        return data


# --- Item 138: Payload List ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payload:
    payload_id: int
    payload_type: int
    name: str


class PayloadListFormat(ItemFormat):
    """The number of payloads (BER-OID), then that many records of: ID (BER-OID), type
    (BER-OID), name (BER length + UTF-8)."""

    __slots__ = ()

    def decode(self, data: bytes) -> tuple[Payload, ...]:
        cursor = PackCursor(data, "payload list")
        count = cursor.oid()
        payloads: list[Payload] = []
        while cursor.remaining:
            record = PackCursor(cursor.field(), "payload record")
            payload_id, payload_type = record.oid(), record.oid()
            payloads.append(Payload(payload_id, payload_type, record.text(record.length())))
            record.finish()
        if len(payloads) != count:
            raise cursor.malformed(f"{count} payload records announced, {len(payloads)} found")
        return tuple(payloads)

    def encode(self, value: object) -> bytes:
        payloads = _records(value, Payload, "payload list")
        data = encode_oid(len(payloads))
        for payload in payloads:
            name = encode_text(payload.name, "utf-8")
            data += _record(
                encode_oid(payload.payload_id)
                + encode_oid(payload.payload_type)
                + encode_length(len(name))
                + name
            )
        return data


# --- Item 140: Weapons Stores -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeaponStore:
    """One store on one station: where it hangs, its general status (`WEAPON_GENERAL_STATUS`)
    and the engagement bits set (`WEAPON_ENGAGEMENT_BITS`)."""

    station_id: int
    hardpoint_id: int
    carriage_id: int
    store_id: int
    general_status: int
    engagement_bits: frozenset[int]
    weapon_type: str


class WeaponsStoresFormat(ItemFormat):
    """Records of: station, hardpoint, carriage and store IDs (BER-OID each), a status word
    (BER-OID: general status in its low byte, engagement bits above), the weapon type
    (BER length + UTF-8)."""

    __slots__ = ()

    def decode(self, data: bytes) -> tuple[WeaponStore, ...]:
        cursor = PackCursor(data, "weapons stores")
        stores: list[WeaponStore] = []
        while cursor.remaining:
            record = PackCursor(cursor.field(), "weapon store record")
            ids = (record.oid(), record.oid(), record.oid(), record.oid())
            status = record.oid()
            weapon_type = record.text(record.length())
            record.finish()
            stores.append(WeaponStore(*ids, status & 0xFF, _bits(status >> 8), weapon_type))
        return tuple(stores)

    def encode(self, value: object) -> bytes:
        data = b""
        for store in _records(value, WeaponStore, "weapons stores"):
            if not 0 <= store.general_status <= 0xFF:
                raise out_of_range("weapon general status", "0..255", store.general_status)
            status = _value_of(store.engagement_bits) << 8 | store.general_status
            weapon_type = encode_text(store.weapon_type, "utf-8")
            data += _record(
                b"".join(
                    encode_oid(v)
                    for v in (
                        store.station_id,
                        store.hardpoint_id,
                        store.carriage_id,
                        store.store_id,
                        status,
                    )
                )
                + encode_length(len(weapon_type))
                + weapon_type
            )
        return data


# --- Item 141: Waypoint List --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A waypoint: its ID, its place in the prosecution order (signed; negative for waypoints
    not in the plan), its info bits (`WAYPOINT_INFO_BITS`) and its location."""

    waypoint_id: int
    order: int
    info_bits: frozenset[int]
    location: Location | None


class WaypointListFormat(ItemFormat):
    """Records of: ID (BER-OID), order (int16), info (BER-OID bits), then a location pack
    (latitude, longitude, optional height) or nothing."""

    __slots__ = ()

    def decode(self, data: bytes) -> tuple[Waypoint, ...]:
        cursor = PackCursor(data, "waypoint list")
        waypoints: list[Waypoint] = []
        while cursor.remaining:
            record = PackCursor(cursor.field(), "waypoint record")
            waypoint_id, order, info = record.oid(), record.sint(2), record.oid()
            location = decode_location(record) if record.remaining else None
            waypoints.append(Waypoint(waypoint_id, order, _bits(info), location))
        return tuple(waypoints)

    def encode(self, value: object) -> bytes:
        data = b""
        for waypoint in _records(value, Waypoint, "waypoint list"):
            if not -(2**15) <= waypoint.order < 2**15:
                raise out_of_range("waypoint order", "a 16-bit signed integer", waypoint.order)
            location = encode_location(waypoint.location) if waypoint.location else b""
            data += _record(
                encode_oid(waypoint.waypoint_id)
                + waypoint.order.to_bytes(2, "big", signed=True)
                + encode_oid(_value_of(waypoint.info_bits))
                + location
            )
        return data
