"""MISB ST 0102 (Security Metadata Universal and Local Sets, through ST 0102.12): the local
set that ST 0601 carries as item 48. Strings are ISO 646 / UTF-8, except item 13 (object
country codes), which the standard writes in UTF-16.
"""

from __future__ import annotations

from drone_ai.adapters.klv.formats import Enumeration, RawBytes, Text, UInt, Utf16Text
from drone_ai.adapters.klv.local_set import ItemSpec, LocalSetTable

CLASSIFICATIONS = {
    1: "UNCLASSIFIED",
    2: "RESTRICTED",
    3: "CONFIDENTIAL",
    4: "SECRET",
    5: "TOP SECRET",
}
COUNTRY_CODING_METHODS = {
    1: "ISO-3166 Two Letter",
    2: "ISO-3166 Three Letter",
    3: "FIPS 10-4 Two Letter",
    4: "FIPS 10-4 Four Letter",
    5: "ISO-3166 Numeric",
    6: "1059 Two Letter",
    7: "1059 Three Letter",
    8: "Omitted Value",
    9: "Omitted Value",
    10: "FIPS 10-4 Mixed",
    11: "ISO 3166 Mixed",
    12: "STANAG 1059 Mixed",
    13: "GENC Two Letter",
    14: "GENC Three Letter",
    15: "GENC Numeric",
    16: "GENC Mixed",
    64: "GENC AdminSub",
}

ST0102 = LocalSetTable(
    "MISB ST 0102",
    (
        ItemSpec(1, "Security Classification", Enumeration(CLASSIFICATIONS)),
        ItemSpec(
            2,
            "Country Coding Method for Classifying Country and Releasing Instructions",
            Enumeration(COUNTRY_CODING_METHODS),
        ),
        ItemSpec(3, "Classifying Country", Text()),
        ItemSpec(4, "SCI / SHI Information", Text()),
        ItemSpec(5, "Caveats", Text()),
        ItemSpec(6, "Releasing Instructions", Text()),
        ItemSpec(7, "Classified By", Text()),
        ItemSpec(8, "Derived From", Text()),
        ItemSpec(9, "Classification Reason", Text()),
        ItemSpec(10, "Declassification Date", Text(8)),
        ItemSpec(11, "Classification and Marking System", Text()),
        ItemSpec(
            12,
            "Country Coding Method for Object Country Codes",
            Enumeration(COUNTRY_CODING_METHODS),
        ),
        ItemSpec(13, "Object Country Codes", Utf16Text()),
        ItemSpec(14, "Classification Comments", Text()),
        # 15-21 are deprecated: still decoded, for the senders that still write them.
        ItemSpec(15, "UMID Video", RawBytes()),
        ItemSpec(16, "UMID Audio", RawBytes()),
        ItemSpec(17, "UMID Data", RawBytes()),
        ItemSpec(18, "UMID System", RawBytes()),
        ItemSpec(19, "Stream ID", UInt(1)),
        ItemSpec(20, "Transport Stream ID", UInt(2)),
        ItemSpec(21, "Item Designator ID", RawBytes()),
        ItemSpec(22, "Version", UInt(2)),
        ItemSpec(23, "Classifying Country and Releasing Instructions Coding Version Date", Text()),
        ItemSpec(24, "Object Country Codes Coding Version Date", Text()),
    ),
)
