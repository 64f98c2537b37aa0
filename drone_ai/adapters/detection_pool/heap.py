"""The heap policy of a process that detects frame after frame (a pool worker)."""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    """Keep the heap's freed memory for the next frame instead of giving it back to the OS.

    A detector allocates tens of MB of temporaries per frame (an ONNX input tensor alone is
    5 MB). Under glibc's defaults a worker process returned them after each frame and faulted
    them back in on the next: about 1,300 page faults, 4 ms of a 15 ms frame (bench/pool.py
    measured it). A long-lived worker is better served by a heap that stays grown."""
    name = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None) if name else None
    if mallopt is None:
        return  # not glibc: its allocator has its own policy
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's upper limit on 64-bit
    mallopt(_M_TRIM_THRESHOLD, 512 << 20)
