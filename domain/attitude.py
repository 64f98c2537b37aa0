"""Attitude as MISB ST 0601 defines it: rotations between the local NED frame, the platform
body frame and the sensor frame.

Platform heading, pitch and roll (items 5, 6/90, 7/91) rotate NED into the body frame: yaw
about z (down), then pitch about the new y, then roll about the new x. Sensor relative
azimuth, elevation and roll (items 18, 19, 20) rotate the body frame into the sensor frame in
the same order. The camera looks along the sensor x axis; y is image right, z image down.

Matrices here are frame rotations: `v_child = R @ v_parent`. Angles are degrees.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Float = NDArray[np.float64]


def frame_rotation(yaw_deg: ArrayLike, pitch_deg: ArrayLike, roll_deg: ArrayLike) -> Float:
    """R taking parent-frame vectors to the child frame reached by yaw, pitch, roll (z-y-x,
    intrinsic); shape (..., 3, 3)."""
    yaw, pitch, roll = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (yaw_deg, pitch_deg, roll_deg)
    )
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    rows = (
        (cp * cy, cp * sy, -sp),
        (sr * sp * cy - cr * sy, sr * sp * sy + cr * cy, sr * cp),
        (cr * sp * cy + sr * sy, cr * sp * sy - sr * cy, cr * cp),
    )
    return np.stack([np.stack(np.broadcast_arrays(*row), axis=-1) for row in rows], axis=-2)


def sensor_from_ned(
    heading_deg: ArrayLike,
    pitch_deg: ArrayLike,
    roll_deg: ArrayLike,
    rel_az_deg: ArrayLike,
    rel_el_deg: ArrayLike,
    rel_roll_deg: ArrayLike,
) -> Float:
    """R taking NED vectors into the sensor frame: platform attitude, then sensor pointing."""
    body_from_ned = frame_rotation(heading_deg, pitch_deg, roll_deg)
    sensor_from_body = frame_rotation(rel_az_deg, rel_el_deg, rel_roll_deg)
    return sensor_from_body @ body_from_ned
