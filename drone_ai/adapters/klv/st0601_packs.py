"""MISB ST 0601 items whose value is one structure (a "pack"): the image horizon (81), the MIIS
core identifier (94, MISB ST 1204), a control command (115), country codes (122), the sensor
frame rate (127), the view domain (142), and the location pack that items 130 and 141 share.

Each format reads with a `PackCursor`, so that a short or overlong pack is refused as
ITEM_MALFORMED, and writes the same layout back.
"""

from __future__ import annotations

from dataclasses import dataclass

from drone_ai.adapters.klv.ber import encode_length, encode_oid
from drone_ai.adapters.klv.formats import ItemFormat, Scaled, encode_text, expect, out_of_range
from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.adapters.klv.pack_cursor import PackCursor

_LAT = Scaled(-90.0, 90.0, 4, signed=True)
_LON = Scaled(-180.0, 180.0, 4, signed=True)


def _field(data: bytes) -> bytes:
    """A field of a variable-length pack: its BER length, then its bytes."""
    return encode_length(len(data)) + data


# --- Location (items 130, 141) ------------------------------------------------------------

_LOCATION_LAT = Imapb(-90.0, 90.0, 4)
_LOCATION_LON = Imapb(-180.0, 180.0, 4)
_LOCATION_HAE = Imapb(-900.0, 9_000.0, 3)


@dataclass(frozen=True, slots=True)
class Location:
    """A point: latitude and longitude in degrees, height above the ellipsoid in metres."""

    lat_deg: float | None
    lon_deg: float | None
    hae_m: float | None = None


def decode_location(cursor: PackCursor) -> Location:
    """Latitude (4 bytes) and longitude (4 bytes), then an optional 3-byte height."""
    lat = _LOCATION_LAT.decode(cursor.take(4))
    lon = _LOCATION_LON.decode(cursor.take(4))
    hae = _LOCATION_HAE.decode(cursor.take(3)) if cursor.remaining else None
    cursor.finish()
    return Location(lat, lon, hae)


def encode_location(location: Location) -> bytes:
    if location.lat_deg is None or location.lon_deg is None:
        raise out_of_range("location", "a latitude and a longitude", location)
    data = _LOCATION_LAT.encode(location.lat_deg) + _LOCATION_LON.encode(location.lon_deg)
    if location.hae_m is not None:
        data += _LOCATION_HAE.encode(location.hae_m)
    return data


# --- Item 81: Image Horizon Pixel Pack --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageHorizon:
    """Where the horizon crosses the image: start and end points in percent of the image
    width (x) and height (y), and optionally their latitude/longitude."""

    start_x_pct: int
    start_y_pct: int
    end_x_pct: int
    end_y_pct: int
    start_lat_deg: float | None = None
    start_lon_deg: float | None = None
    end_lat_deg: float | None = None
    end_lon_deg: float | None = None


class ImageHorizonFormat(ItemFormat):
    __slots__ = ()

    def decode(self, data: bytes) -> ImageHorizon:
        cursor = PackCursor(data, "image horizon pixel pack")
        x0, y0, x1, y1 = cursor.take(4)
        if max(x0, y0, x1, y1) > 100:
            raise out_of_range("image horizon pixel pack", "percentages 0..100", (x0, y0, x1, y1))
        if not cursor.remaining:
            return ImageHorizon(x0, y0, x1, y1)
        start_lat, start_lon = _LAT.decode(cursor.take(4)), _LON.decode(cursor.take(4))
        end_lat, end_lon = _LAT.decode(cursor.take(4)), _LON.decode(cursor.take(4))
        cursor.finish()
        return ImageHorizon(x0, y0, x1, y1, start_lat, start_lon, end_lat, end_lon)

    def encode(self, value: object) -> bytes:
        value = expect(value, ImageHorizon, "image horizon pixel pack")
        data = bytes((value.start_x_pct, value.start_y_pct, value.end_x_pct, value.end_y_pct))
        points = (value.start_lat_deg, value.start_lon_deg, value.end_lat_deg, value.end_lon_deg)
        if all(point is None for point in points):
            return data
        return data + b"".join(
            (_LAT if index % 2 == 0 else _LON).encode(point) for index, point in enumerate(points)
        )


# --- Item 94: MIIS Core Identifier (MISB ST 1204) --------------------------------------

MIIS_ID_TYPES = {0: "None", 1: "Managed", 2: "Virtual", 3: "Physical"}
_UUID_BYTES = 16


@dataclass(frozen=True, slots=True)
class MiisCoreId:
    """ST 1204: which sensor on which platform made the imagery. IDs are 16-byte UUIDs."""

    version: int
    sensor_id_type: int
    platform_id_type: int
    sensor_id: bytes | None = None
    platform_id: bytes | None = None
    window_id: bytes | None = None
    minor_id: bytes | None = None


class MiisCoreIdFormat(ItemFormat):
    """Version (BER-OID), a usage byte (bit 7 reserved, bits 6-5 sensor ID type, bits 4-3
    platform ID type, bit 2 window ID present, bit 1 minor ID present), then the IDs present in
    that order: sensor, platform, window, minor."""

    __slots__ = ()

    def decode(self, data: bytes) -> MiisCoreId:
        cursor = PackCursor(data, "MIIS core identifier")
        version = cursor.oid()
        usage = cursor.uint(1)
        sensor_type, platform_type = (usage >> 5) & 3, (usage >> 3) & 3
        sensor = cursor.take(_UUID_BYTES) if sensor_type else None
        platform = cursor.take(_UUID_BYTES) if platform_type else None
        window = cursor.take(_UUID_BYTES) if usage & 0x04 else None
        minor = cursor.take(_UUID_BYTES) if usage & 0x02 else None
        cursor.finish()
        return MiisCoreId(version, sensor_type, platform_type, sensor, platform, window, minor)

    def encode(self, value: object) -> bytes:
        value = expect(value, MiisCoreId, "MIIS core identifier")
        ids = (value.sensor_id, value.platform_id, value.window_id, value.minor_id)
        if any(uid is not None and len(uid) != _UUID_BYTES for uid in ids):
            raise out_of_range("MIIS core identifier", "16-byte IDs", ids)
        if (value.sensor_id_type == 0) != (value.sensor_id is None) or (
            value.platform_id_type == 0
        ) != (value.platform_id is None):
            raise out_of_range("MIIS core identifier", "an ID exactly where its type is set", value)
        if not (0 <= value.sensor_id_type <= 3 and 0 <= value.platform_id_type <= 3):
            raise out_of_range(
                "MIIS ID type", "0..3", (value.sensor_id_type, value.platform_id_type)
            )
        usage = value.sensor_id_type << 5 | value.platform_id_type << 3
        usage |= (0x04 if value.window_id else 0) | (0x02 if value.minor_id else 0)
        return encode_oid(value.version) + bytes((usage,)) + b"".join(uid for uid in ids if uid)


# --- Item 115: Control Command ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ControlCommand:
    """A command sent to the aircraft: its ID, its text, and when it was sent (if given)."""

    command_id: int
    text: str
    t_us: int | None = None


class ControlCommandFormat(ItemFormat):
    """ID (BER-OID), text (BER length + UTF-8), then optionally an 8-byte time in us."""

    __slots__ = ()

    def decode(self, data: bytes) -> ControlCommand:
        cursor = PackCursor(data, "control command")
        command_id = cursor.oid()
        text = cursor.text(cursor.length())
        t_us = cursor.uint(8) if cursor.remaining else None
        cursor.finish()
        return ControlCommand(command_id, text, t_us)

    def encode(self, value: object) -> bytes:
        value = expect(value, ControlCommand, "control command")
        data = encode_oid(value.command_id) + _field(encode_text(value.text, "utf-8"))
        if value.t_us is not None:
            data += value.t_us.to_bytes(8, "big")
        return data


# --- Item 122: Country Codes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountryCodes:
    """Countries the flight concerns, coded by `coding_method` (ST 0102's coding methods)."""

    coding_method: int
    overflight: str | None = None
    operator: str | None = None
    manufacturer: str | None = None


class CountryCodesFormat(ItemFormat):
    """Four fields, each a BER length and bytes: the coding method (BER-OID), then the
    overflight, operator and manufacturer countries. An empty field is an absent country; the
    trailing fields may be left out."""

    __slots__ = ()

    def decode(self, data: bytes) -> CountryCodes:
        cursor = PackCursor(data, "country codes")
        method = PackCursor(cursor.field(), "country coding method")
        coding_method = method.oid()
        method.finish()
        countries: list[str | None] = []
        while cursor.remaining and len(countries) < 3:
            size = cursor.length()
            countries.append(cursor.text(size) if size else None)
        cursor.finish()
        return CountryCodes(coding_method, *countries)

    def encode(self, value: object) -> bytes:
        value = expect(value, CountryCodes, "country codes")
        data = _field(encode_oid(value.coding_method))
        for country in (value.overflight, value.operator, value.manufacturer):
            data += _field(encode_text(country, "utf-8") if country else b"")
        return data


# --- Item 127: Sensor Frame Rate Pack -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameRate:
    """Frames per second as the fraction numerator / denominator (60000/1001, say)."""

    numerator: int
    denominator: int = 1


class FrameRateFormat(ItemFormat):
    """Numerator (BER-OID), then an optional denominator (BER-OID; 1 when left out)."""

    __slots__ = ()

    def decode(self, data: bytes) -> FrameRate:
        cursor = PackCursor(data, "sensor frame rate pack")
        numerator = cursor.oid()
        denominator = cursor.oid() if cursor.remaining else 1
        cursor.finish()
        if denominator == 0:
            raise out_of_range("sensor frame rate pack", "a denominator above 0", denominator)
        return FrameRate(numerator, denominator)

    def encode(self, value: object) -> bytes:
        value = expect(value, FrameRate, "sensor frame rate pack")
        if value.denominator <= 0:
            raise out_of_range("sensor frame rate pack", "a denominator above 0", value)
        tail = encode_oid(value.denominator) if value.denominator != 1 else b""
        return encode_oid(value.numerator) + tail


# --- Item 142: View Domain ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AngleInterval:
    """The angles from `start_deg` over `range_deg`."""

    start_deg: float | None
    range_deg: float | None


@dataclass(frozen=True, slots=True)
class ViewDomain:
    """How far the sensor can point relative to the platform, per axis (None: not given)."""

    azimuth: AngleInterval | None = None
    elevation: AngleInterval | None = None
    roll: AngleInterval | None = None


_INTERVAL_BYTES = 3  # the half-length the encoder writes
# (start range, extent range) of each axis, in the order the pack holds them.
_VIEW_AXES = ((0.0, 360.0), (-180.0, 180.0), (0.0, 360.0))


class ViewDomainFormat(ItemFormat):
    """Up to three fields (azimuth, elevation, roll), each a BER length 2n then two IMAPB values
    of n bytes: the start angle and the extent. An empty field is an axis not given."""

    __slots__ = ()

    def decode(self, data: bytes) -> ViewDomain:
        cursor = PackCursor(data, "view domain")
        axes: list[AngleInterval | None] = []
        while cursor.remaining and len(axes) < 3:
            low, high = _VIEW_AXES[len(axes)]
            field = cursor.field()
            half = len(field) // 2
            if not field:
                axes.append(None)
                continue
            if len(field) % 2 or half > 8:
                raise cursor.malformed(f"view domain axis of 2 to 16 bytes, got {len(field)}")
            axes.append(
                AngleInterval(
                    Imapb(low, high, half).decode(field[:half]),
                    Imapb(0.0, 360.0, half).decode(field[half:]),
                )
            )
        cursor.finish()
        return ViewDomain(*axes)

    def encode(self, value: object) -> bytes:
        value = expect(value, ViewDomain, "view domain")
        data = b""
        for (low, high), axis in zip(
            _VIEW_AXES, (value.azimuth, value.elevation, value.roll), strict=True
        ):
            if axis is None or axis.start_deg is None or axis.range_deg is None:
                data += _field(b"")
                continue
            start = Imapb(low, high, _INTERVAL_BYTES).encode(axis.start_deg)
            extent = Imapb(0.0, 360.0, _INTERVAL_BYTES).encode(axis.range_deg)
            data += _field(start + extent)
        return data


# --- Item 143: Metadata Substream ID Pack (ST 0601.19) ------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataSubstreamId:
    """Which metadata substream a packet belongs to: a local ID, or 0 and a universal UUID."""

    local_id: int
    universal_id: bytes | None = None


class MetadataSubstreamIdFormat(ItemFormat):
    """Local ID (BER-OID); when it is 0, a 16-byte universal ID follows."""

    __slots__ = ()

    def decode(self, data: bytes) -> MetadataSubstreamId:
        cursor = PackCursor(data, "metadata substream ID pack")
        local_id = cursor.oid()
        universal = cursor.take(_UUID_BYTES) if local_id == 0 else None
        cursor.finish()
        return MetadataSubstreamId(local_id, universal)

    def encode(self, value: object) -> bytes:
        value = expect(value, MetadataSubstreamId, "metadata substream ID pack")
        if (value.local_id == 0) != (value.universal_id is not None) or (
            value.universal_id is not None and len(value.universal_id) != _UUID_BYTES
        ):
            raise out_of_range(
                "metadata substream ID pack",
                "a 16-byte universal ID exactly when local ID is 0",
                value,
            )
        return encode_oid(value.local_id) + (value.universal_id or b"")
