"""MISB KLV telemetry: framing, MISB ST 0601 (with ST 0102 inside), MISB EG 0104, and KLV
data streams in MPEG-TS. One module per standard; codecs are table-driven.

Untrusted bytes are decoded under a caller-chosen `DecodePolicy`: STRICT raises a `KlvError`
naming the reason, LENIENT skips what it cannot read and counts it by reason. No input makes
these decoders raise anything else, loop forever, or allocate from a length they were sent.
"""
