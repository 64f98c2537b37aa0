"""MISB ST 0601 (UAS Datalink Local Set, through ST 0601.19): the items with scalar values.

Each row is the standard's tag, name, format and unit. Scaled integers map their full integer
range onto the standard's range (see `Scaled`); signed ones reserve their most negative value as
the error marker, which decodes to None. Heights: items 15, 25, 38, 42, 54 and 69 are above mean
sea level; 75, 76, 78, 104 and 105 above the WGS-84 ellipsoid. Times (2, 72, 131) are
microseconds since the Unix epoch, UTC.

Items whose values are structures (packs, lists, nested sets) are in `st0601_packs`.
"""

from __future__ import annotations

from drone_ai.adapters.klv.formats import (
    Enumeration,
    Flags,
    ImapbFormat,
    RawBytes,
    Scaled,
    SInt,
    Text,
    UInt,
)
from drone_ai.adapters.klv.local_set import ItemSpec

DEG = "deg"
M = "m"
MPS = "m/s"
US = "us"
MBAR = "mbar"

_ALTITUDE = Scaled(-900.0, 19_000.0, 2)  # the 16-bit height encoding many items share
_HEADING = Scaled(0.0, 360.0, 2)
_LAT = Scaled(-90.0, 90.0, 4, signed=True)
_LON = Scaled(-180.0, 180.0, 4, signed=True)
_CORNER_OFFSET = Scaled(-0.075, 0.075, 2, signed=True)
_PRESSURE = Scaled(0.0, 5_000.0, 2)
_EXTENDED_HEIGHT = ImapbFormat(-900.0, 40_000.0, 3)
_ANGLE_RATE = ImapbFormat(-1_000.0, 1_000.0, 2)

ICING = {0: "Detector off", 1: "No icing detected", 2: "Icing detected"}
FOV_NAMES = {
    0: "Ultranarrow",
    1: "Narrow",
    2: "Medium",
    3: "Wide",
    4: "Ultrawide",
    5: "Narrow Medium",
    6: "2x Ultranarrow",
    7: "4x Ultranarrow",
    8: "Continuous Zoom",
}
OPERATIONAL_MODES = {
    0: "Other",
    1: "Operational",
    2: "Training",
    3: "Exercise",
    4: "Maintenance",
    5: "Test",
}
GENERIC_FLAGS = {
    0: "Laser Range",
    1: "Auto-Track",
    2: "IR Polarity",
    3: "Icing Status",
    4: "Slant Range",
    5: "Image Invalid",
}

SCALAR_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(1, "Checksum", UInt(2)),
    ItemSpec(2, "Precision Time Stamp", UInt(8), US),
    ItemSpec(3, "Mission ID", Text()),
    ItemSpec(4, "Platform Tail Number", Text()),
    ItemSpec(5, "Platform Heading Angle", _HEADING, DEG),
    ItemSpec(6, "Platform Pitch Angle", Scaled(-20.0, 20.0, 2, signed=True), DEG),
    ItemSpec(7, "Platform Roll Angle", Scaled(-50.0, 50.0, 2, signed=True), DEG),
    ItemSpec(8, "Platform True Airspeed", UInt(1), MPS),
    ItemSpec(9, "Platform Indicated Airspeed", UInt(1), MPS),
    ItemSpec(10, "Platform Designation", Text()),
    ItemSpec(11, "Image Source Sensor", Text()),
    ItemSpec(12, "Image Coordinate System", Text()),
    ItemSpec(13, "Sensor Latitude", _LAT, DEG),
    ItemSpec(14, "Sensor Longitude", _LON, DEG),
    ItemSpec(15, "Sensor True Altitude", _ALTITUDE, M),
    ItemSpec(16, "Sensor Horizontal Field of View", Scaled(0.0, 180.0, 2), DEG),
    ItemSpec(17, "Sensor Vertical Field of View", Scaled(0.0, 180.0, 2), DEG),
    ItemSpec(18, "Sensor Relative Azimuth Angle", Scaled(0.0, 360.0, 4), DEG),
    ItemSpec(19, "Sensor Relative Elevation Angle", Scaled(-180.0, 180.0, 4, signed=True), DEG),
    ItemSpec(20, "Sensor Relative Roll Angle", Scaled(0.0, 360.0, 4), DEG),
    ItemSpec(21, "Slant Range", Scaled(0.0, 5_000_000.0, 4), M),
    ItemSpec(22, "Target Width", Scaled(0.0, 10_000.0, 2), M),
    ItemSpec(23, "Frame Center Latitude", _LAT, DEG),
    ItemSpec(24, "Frame Center Longitude", _LON, DEG),
    ItemSpec(25, "Frame Center Elevation", _ALTITUDE, M),
    ItemSpec(26, "Offset Corner Latitude Point 1", _CORNER_OFFSET, DEG),
    ItemSpec(27, "Offset Corner Longitude Point 1", _CORNER_OFFSET, DEG),
    ItemSpec(28, "Offset Corner Latitude Point 2", _CORNER_OFFSET, DEG),
    ItemSpec(29, "Offset Corner Longitude Point 2", _CORNER_OFFSET, DEG),
    ItemSpec(30, "Offset Corner Latitude Point 3", _CORNER_OFFSET, DEG),
    ItemSpec(31, "Offset Corner Longitude Point 3", _CORNER_OFFSET, DEG),
    ItemSpec(32, "Offset Corner Latitude Point 4", _CORNER_OFFSET, DEG),
    ItemSpec(33, "Offset Corner Longitude Point 4", _CORNER_OFFSET, DEG),
    ItemSpec(34, "Icing Detected", Enumeration(ICING)),
    ItemSpec(35, "Wind Direction", _HEADING, DEG),
    ItemSpec(36, "Wind Speed", Scaled(0.0, 100.0, 1), MPS),
    ItemSpec(37, "Static Pressure", _PRESSURE, MBAR),
    ItemSpec(38, "Density Altitude", _ALTITUDE, M),
    ItemSpec(39, "Outside Air Temperature", SInt(1), "degC"),
    ItemSpec(40, "Target Location Latitude", _LAT, DEG),
    ItemSpec(41, "Target Location Longitude", _LON, DEG),
    ItemSpec(42, "Target Location Elevation", _ALTITUDE, M),
    ItemSpec(43, "Target Track Gate Width", Scaled(0.0, 510.0, 1), "px"),
    ItemSpec(44, "Target Track Gate Height", Scaled(0.0, 510.0, 1), "px"),
    ItemSpec(45, "Target Error Estimate - CE90", Scaled(0.0, 4_095.0, 2), M),
    ItemSpec(46, "Target Error Estimate - LE90", Scaled(0.0, 4_095.0, 2), M),
    ItemSpec(47, "Generic Flag Data", Flags(GENERIC_FLAGS)),
    ItemSpec(49, "Differential Pressure", _PRESSURE, MBAR),
    ItemSpec(50, "Platform Angle of Attack", Scaled(-20.0, 20.0, 2, signed=True), DEG),
    ItemSpec(51, "Platform Vertical Speed", Scaled(-180.0, 180.0, 2, signed=True), MPS),
    ItemSpec(52, "Platform Sideslip Angle", Scaled(-20.0, 20.0, 2, signed=True), DEG),
    ItemSpec(53, "Airfield Barometric Pressure", _PRESSURE, MBAR),
    ItemSpec(54, "Airfield Elevation", _ALTITUDE, M),
    ItemSpec(55, "Relative Humidity", Scaled(0.0, 100.0, 1), "%"),
    ItemSpec(56, "Platform Ground Speed", UInt(1), MPS),
    ItemSpec(57, "Ground Range", Scaled(0.0, 5_000_000.0, 4), M),
    ItemSpec(58, "Platform Fuel Remaining", Scaled(0.0, 10_000.0, 2), "kg"),
    ItemSpec(59, "Platform Call Sign", Text()),
    ItemSpec(60, "Weapon Load", UInt(2)),
    ItemSpec(61, "Weapon Fired", UInt(1)),
    ItemSpec(62, "Laser PRF Code", UInt(2)),
    ItemSpec(63, "Sensor Field of View Name", Enumeration(FOV_NAMES)),
    ItemSpec(64, "Platform Magnetic Heading", _HEADING, DEG),
    ItemSpec(65, "UAS Datalink LS Version Number", UInt(1)),
    ItemSpec(66, "Target Location Covariance Matrix (deprecated)", RawBytes()),
    ItemSpec(67, "Alternate Platform Latitude", _LAT, DEG),
    ItemSpec(68, "Alternate Platform Longitude", _LON, DEG),
    ItemSpec(69, "Alternate Platform Altitude", _ALTITUDE, M),
    ItemSpec(70, "Alternate Platform Name", Text()),
    ItemSpec(71, "Alternate Platform Heading", _HEADING, DEG),
    ItemSpec(72, "Event Start Time - UTC", UInt(8), US),
    ItemSpec(75, "Sensor Ellipsoid Height", _ALTITUDE, M),
    ItemSpec(76, "Alternate Platform Ellipsoid Height", _ALTITUDE, M),
    ItemSpec(77, "Operational Mode", Enumeration(OPERATIONAL_MODES)),
    ItemSpec(78, "Frame Center Height Above Ellipsoid", _ALTITUDE, M),
    ItemSpec(79, "Sensor North Velocity", Scaled(-327.0, 327.0, 2, signed=True), MPS),
    ItemSpec(80, "Sensor East Velocity", Scaled(-327.0, 327.0, 2, signed=True), MPS),
    ItemSpec(82, "Corner Latitude Point 1 (Full)", _LAT, DEG),
    ItemSpec(83, "Corner Longitude Point 1 (Full)", _LON, DEG),
    ItemSpec(84, "Corner Latitude Point 2 (Full)", _LAT, DEG),
    ItemSpec(85, "Corner Longitude Point 2 (Full)", _LON, DEG),
    ItemSpec(86, "Corner Latitude Point 3 (Full)", _LAT, DEG),
    ItemSpec(87, "Corner Longitude Point 3 (Full)", _LON, DEG),
    ItemSpec(88, "Corner Latitude Point 4 (Full)", _LAT, DEG),
    ItemSpec(89, "Corner Longitude Point 4 (Full)", _LON, DEG),
    ItemSpec(90, "Platform Pitch Angle (Full)", Scaled(-90.0, 90.0, 4, signed=True), DEG),
    ItemSpec(91, "Platform Roll Angle (Full)", Scaled(-90.0, 90.0, 4, signed=True), DEG),
    ItemSpec(92, "Platform Angle of Attack (Full)", Scaled(-90.0, 90.0, 4, signed=True), DEG),
    ItemSpec(93, "Platform Sideslip Angle (Full)", Scaled(-180.0, 180.0, 4, signed=True), DEG),
    ItemSpec(96, "Target Width Extended", ImapbFormat(0.0, 1_500_000.0, 3), M),
    ItemSpec(103, "Density Altitude Extended", _EXTENDED_HEIGHT, M),
    ItemSpec(104, "Sensor Ellipsoid Height Extended", _EXTENDED_HEIGHT, M),
    ItemSpec(105, "Alternate Platform Ellipsoid Height Extended", _EXTENDED_HEIGHT, M),
    ItemSpec(106, "Stream Designator", Text()),
    ItemSpec(107, "Operational Base", Text()),
    ItemSpec(108, "Broadcast Source", Text()),
    ItemSpec(109, "Range To Recovery Location", ImapbFormat(0.0, 21_000.0, 3), "km"),
    ItemSpec(110, "Time Airborne", UInt(), "s"),
    ItemSpec(111, "Propulsion Unit Speed", UInt(), "rpm"),
    ItemSpec(112, "Platform Course Angle", ImapbFormat(0.0, 360.0, 2), DEG),
    ItemSpec(113, "Altitude Above Ground Level", _EXTENDED_HEIGHT, M),
    ItemSpec(114, "Radar Altimeter", _EXTENDED_HEIGHT, M),
    ItemSpec(117, "Sensor Azimuth Rate", _ANGLE_RATE, "deg/s"),
    ItemSpec(118, "Sensor Elevation Rate", _ANGLE_RATE, "deg/s"),
    ItemSpec(119, "Sensor Roll Rate", _ANGLE_RATE, "deg/s"),
    ItemSpec(120, "On-board MI Storage Percent Full", ImapbFormat(0.0, 100.0, 2), "%"),
    ItemSpec(123, "Number of NAVSATs in View", UInt(1)),
    ItemSpec(129, "Target ID", Text(32)),
    ItemSpec(131, "Take-off Time - UTC", UInt(), US),
    ItemSpec(132, "Transmission Frequency", ImapbFormat(1.0, 99_999.0, 3), "MHz"),
    ItemSpec(133, "On-board MI Storage Capacity", UInt(), "GB"),
    ItemSpec(134, "Zoom Percentage", ImapbFormat(0.0, 100.0, 2), "%"),
    ItemSpec(135, "Communications Method", Text()),
    ItemSpec(136, "Leap Seconds", SInt(), "s"),
    ItemSpec(137, "Correction Offset", SInt(), US),
)
