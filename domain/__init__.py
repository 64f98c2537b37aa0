"""The pure model of the control tower: telemetry, camera geometry, detections, tracks, flights.

No I/O, no clock, no environment, no frameworks: time and configuration arrive as values.
Units follow DESIGN.md: time in integer microseconds since the Unix epoch (UTC), angles in
degrees, lengths in metres, speeds in m/s, positions on WGS-84.
"""
