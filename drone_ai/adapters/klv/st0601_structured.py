"""The ST 0601 items whose values are structures, and those kept as raw bytes.

Kept raw, by design, are the items that nest a whole other MISB standard (or, for SDCC-FLP,
a sparse covariance matrix defined by one): each is a codec of its
own (VMTI alone is larger than ST 0601), and the tower does not act on them yet. They are
carried intact, so that a recording or a re-encoded packet loses nothing.
"""

from __future__ import annotations

from drone_ai.adapters.klv.formats import Enumeration, Flags, RawBytes
from drone_ai.adapters.klv.local_set import ItemSpec, LocalSetFormat
from drone_ai.adapters.klv.st0102 import ST0102
from drone_ai.adapters.klv.st0601_lists import (
    AirbaseLocationsFormat,
    OidList,
    PayloadListFormat,
    WavelengthsFormat,
    WaypointListFormat,
    WeaponsStoresFormat,
)
from drone_ai.adapters.klv.st0601_packs import (
    ControlCommandFormat,
    CountryCodesFormat,
    FrameRateFormat,
    ImageHorizonFormat,
    MetadataSubstreamIdFormat,
    MiisCoreIdFormat,
    ViewDomainFormat,
)

POSITIONING_SOURCES = {
    0: "On-board INS",
    1: "GPS",
    2: "Galileo",
    3: "QZSS",
    4: "NAVIC",
    5: "GLONASS",
    6: "BeiDou-1",
    7: "BeiDou-2",
}
PLATFORM_STATUS = {
    0: "Active",
    1: "Pre-flight",
    2: "Pre-flight-Taxiing",
    3: "Run-up",
    4: "Take-off",
    5: "Ingress",
    6: "Manual Operation",
    7: "Automated-orbit",
    8: "Transitioning",
    9: "Egress",
    10: "Landing",
    11: "Landed-Taxiing",
    12: "Landed-Parked",
}
SENSOR_CONTROL_MODES = {
    0: "Off",
    1: "Home Position",
    2: "Uncontrolled",
    3: "Manual Control",
    4: "Calibrating",
    5: "Auto - Holding Position",
    6: "Auto - Tracking",
}

# Items that nest another standard, and that standard: kept as raw bytes (see above).
NESTED_STANDARDS: dict[int, tuple[str, str]] = {
    73: ("RVT Local Set", "MISB ST 0806"),
    74: ("VMTI Local Set", "MISB ST 0903"),
    95: ("SAR Motion Imagery Local Set", "MISB ST 1206"),
    97: ("Range Image Local Set", "MISB ST 1002"),
    98: ("Geo-Registration Local Set", "MISB ST 1601"),
    99: ("Composite Imaging Local Set", "MISB ST 1602"),
    100: ("Segment Local Set", "MISB ST 1607"),
    101: ("Amend Local Set", "MISB ST 1607"),
    102: ("SDCC-FLP", "MISB ST 1010"),
}

STRUCTURED_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(48, "Security Local Set", LocalSetFormat(ST0102)),
    ItemSpec(81, "Image Horizon Pixel Pack", ImageHorizonFormat()),
    ItemSpec(94, "MIIS Core Identifier", MiisCoreIdFormat()),
    ItemSpec(115, "Control Command", ControlCommandFormat()),
    ItemSpec(116, "Control Command Verification List", OidList("command verification list")),
    ItemSpec(121, "Active Wavelength List", OidList("active wavelength list")),
    ItemSpec(122, "Country Codes", CountryCodesFormat()),
    ItemSpec(124, "Positioning Method Source", Flags(POSITIONING_SOURCES)),
    ItemSpec(125, "Platform Status", Enumeration(PLATFORM_STATUS)),
    ItemSpec(126, "Sensor Control Mode", Enumeration(SENSOR_CONTROL_MODES)),
    ItemSpec(127, "Sensor Frame Rate Pack", FrameRateFormat()),
    ItemSpec(128, "Wavelengths List", WavelengthsFormat()),
    ItemSpec(130, "Airbase Locations", AirbaseLocationsFormat()),
    ItemSpec(138, "Payload List", PayloadListFormat()),
    ItemSpec(139, "Active Payloads", Flags({}, length=None)),
    ItemSpec(140, "Weapons Stores", WeaponsStoresFormat()),
    ItemSpec(141, "Waypoint List", WaypointListFormat()),
    ItemSpec(142, "View Domain", ViewDomainFormat()),
    ItemSpec(143, "Metadata Substream ID Pack", MetadataSubstreamIdFormat()),
    *(ItemSpec(tag, name, RawBytes()) for tag, (name, _) in NESTED_STANDARDS.items()),
)
