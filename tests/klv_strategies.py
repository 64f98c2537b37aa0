"""Hypothesis strategies for the values of every KLV item format, and a tolerant comparison.

Lists are never empty: an empty list encodes to an empty item, which by the standard means "no
value" and reads back as None.

A strategy is derived from each item's format, so that an item added to a table without a way
to generate its values fails `strategy_for` loudly instead of going untested.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from hypothesis import strategies as st

from drone_ai.adapters.klv.formats import (
    Enumeration,
    Flags,
    Float,
    ImapbFormat,
    ItemFormat,
    RawBytes,
    Scaled,
    SInt,
    Text,
    UInt,
    Utf16Text,
)
from drone_ai.adapters.klv.imapb import Imapb
from drone_ai.adapters.klv.local_set import LocalSetFormat, LocalSetTable
from drone_ai.adapters.klv.st0601_lists import (
    AirbaseLocations,
    AirbaseLocationsFormat,
    OidList,
    Payload,
    PayloadListFormat,
    Wavelength,
    WavelengthsFormat,
    Waypoint,
    WaypointListFormat,
    WeaponsStoresFormat,
    WeaponStore,
)
from drone_ai.adapters.klv.st0601_packs import (
    AngleInterval,
    ControlCommand,
    ControlCommandFormat,
    CountryCodes,
    CountryCodesFormat,
    FrameRate,
    FrameRateFormat,
    ImageHorizon,
    ImageHorizonFormat,
    Location,
    MetadataSubstreamId,
    MetadataSubstreamIdFormat,
    MiisCoreId,
    MiisCoreIdFormat,
    ViewDomain,
    ViewDomainFormat,
)

# The coarsest step of the floats nested in structured items (3-byte IMAPB heights, the
# wavelength limits); a flat per-item tolerance that is still far below any meaningful error.
STRUCTURED_TOLERANCE = max(
    Imapb(-900.0, 9_000.0, 3).resolution,
    Imapb(0.0, 1e9, 4).resolution,
    Imapb(-180.0, 180.0, 3).resolution,
    Scaled(-180.0, 180.0, 4, signed=True).resolution,
)

oids = st.integers(min_value=0, max_value=2**40)


def texts(max_bytes: int = 127) -> st.SearchStrategy[str]:
    """Text that fits `max_bytes` of UTF-8 (a character takes at most 4 bytes)."""
    alphabet = st.characters(blacklist_categories=("Cs",))
    return st.text(alphabet=alphabet, min_size=1, max_size=max(1, min(20, max_bytes // 4)))


names = texts()


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False)


locations = st.builds(
    Location,
    floats(-90.0, 90.0),
    floats(-180.0, 180.0),
    st.none() | floats(-900.0, 9_000.0),
)
bit_sets = st.frozensets(st.integers(min_value=0, max_value=7))
uuids = st.binary(min_size=16, max_size=16)


def _miis() -> st.SearchStrategy[MiisCoreId]:
    id_type = st.integers(min_value=0, max_value=3)
    return st.tuples(id_type, id_type, uuids, uuids, st.none() | uuids, st.none() | uuids).map(
        lambda t: MiisCoreId(
            1, t[0], t[1], t[2] if t[0] else None, t[3] if t[1] else None, t[4], t[5]
        )
    )


def _intervals(low: float, high: float) -> st.SearchStrategy[AngleInterval | None]:
    return st.none() | st.builds(AngleInterval, floats(low, high), floats(0.0, 360.0))


STRUCTURED: dict[type[ItemFormat], st.SearchStrategy[object]] = {
    ImageHorizonFormat: st.one_of(
        st.builds(ImageHorizon, *[st.integers(0, 100)] * 4),
        st.builds(
            ImageHorizon,
            *[st.integers(0, 100)] * 4,
            floats(-90.0, 90.0),
            floats(-180.0, 180.0),
            floats(-90.0, 90.0),
            floats(-180.0, 180.0),
        ),
    ),
    MiisCoreIdFormat: _miis(),
    MetadataSubstreamIdFormat: st.one_of(
        st.builds(MetadataSubstreamId, st.integers(min_value=1, max_value=2**32 - 1)),
        st.builds(MetadataSubstreamId, st.just(0), uuids),
    ),
    ControlCommandFormat: st.builds(ControlCommand, oids, names, st.none() | st.integers(0, 2**63)),
    CountryCodesFormat: st.builds(
        CountryCodes, oids, st.none() | names, st.none() | names, st.none() | names
    ),
    FrameRateFormat: st.builds(FrameRate, oids, st.integers(min_value=1, max_value=2**20)),
    ViewDomainFormat: st.builds(
        ViewDomain, _intervals(0.0, 360.0), _intervals(-180.0, 180.0), _intervals(0.0, 360.0)
    ),
    WavelengthsFormat: st.lists(
        st.builds(Wavelength, oids, floats(0.0, 1e9), floats(0.0, 1e9), names),
        min_size=1,
        max_size=3,
    ).map(tuple),
    AirbaseLocationsFormat: st.builds(
        AirbaseLocations, st.none() | locations, st.none() | locations
    ),
    PayloadListFormat: st.lists(st.builds(Payload, oids, oids, names), max_size=3).map(tuple),
    WeaponsStoresFormat: st.lists(
        st.builds(WeaponStore, oids, oids, oids, oids, st.integers(0, 255), bit_sets, names),
        min_size=1,
        max_size=3,
    ).map(tuple),
    WaypointListFormat: st.lists(
        st.builds(
            Waypoint, oids, st.integers(-(2**15), 2**15 - 1), bit_sets, st.none() | locations
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
}


def strategy_for(fmt: ItemFormat) -> st.SearchStrategy[object]:
    """Values that `fmt` can encode."""
    if type(fmt) in STRUCTURED:
        return STRUCTURED[type(fmt)]
    if isinstance(fmt, Scaled | ImapbFormat):
        return floats(fmt.low, fmt.high)
    if isinstance(fmt, Enumeration | UInt):
        bits = 8 * (fmt.length or 8) - (0 if fmt.length else 1)
        return st.integers(min_value=0, max_value=2**bits - 1)
    if isinstance(fmt, SInt):
        half = 2 ** (8 * (fmt.length or 8) - 1)
        return st.integers(min_value=-half, max_value=half - 1)
    if isinstance(fmt, Text):
        return texts(fmt.max_bytes)
    if isinstance(fmt, Utf16Text):
        return names
    if isinstance(fmt, Flags):
        return st.frozensets(st.integers(0, 8 * (fmt.length or 4) - 1))
    if isinstance(fmt, Float):
        return floats(-1e30, 1e30)
    if isinstance(fmt, RawBytes):
        return st.binary(min_size=1, max_size=64)
    if isinstance(fmt, OidList):
        return st.lists(oids, min_size=1, max_size=5).map(tuple)
    if isinstance(fmt, LocalSetFormat):
        return local_sets(fmt.table)
    raise NotImplementedError(f"no strategy for {type(fmt).__name__}")


def local_sets(
    table: LocalSetTable, skip: frozenset[int] = frozenset()
) -> st.SearchStrategy[dict[int, object]]:
    """Some of the items of `table`, each with a value its format can encode."""
    tags = sorted(set(table.specs) - skip)
    return st.lists(st.sampled_from(tags), min_size=1, max_size=12, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries(
            {tag: strategy_for(table.specs[tag].fmt) for tag in chosen}
        )
    )


def close(expected: object, actual: object, tolerance: float) -> bool:
    """Equal, except floats within `tolerance`, through dataclasses, tuples and mappings."""
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(expected, actual, rel_tol=1e-12, abs_tol=tolerance)
    if dataclasses.is_dataclass(expected) and type(expected) is type(actual):
        return all(
            close(getattr(expected, f.name), getattr(actual, f.name), tolerance)
            for f in dataclasses.fields(expected)
        )
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return len(expected) == len(actual) and all(
            close(e, a, tolerance) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(
            close(expected[k], actual[k], tolerance) for k in expected
        )
    return expected == actual
