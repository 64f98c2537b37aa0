"""Frames handed to a worker process through shared memory instead of pickled copies.

Each worker owns one block of `slots` equal slots of `slot_bytes`; the pool writes a batch's
frames into the slots (one copy), and sends the worker only their shapes. The pool creates and
unlinks the block; the worker attaches to it. A worker that dies leaves the block intact for
its replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np
from numpy.typing import NDArray

from drone_ai.errors import FrameRejectedError


@dataclass(frozen=True, slots=True)
class SlotRef:
    """Where a frame lies in a block: the slot's index and the image's shape (uint8)."""

    slot: int
    shape: tuple[int, ...]


def check_frame(image: NDArray[np.uint8], slot_bytes: int) -> None:
    """Refuse, with the reason, a frame no slot can carry."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = getattr(image, "dtype", type(image).__name__)
        raise FrameRejectedError(f"frame: expected an 8-bit image (uint8 array), got {kind}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise FrameRejectedError(
            f"frame: expected height x width (x 1, 3 or 4 channels), got shape {image.shape}"
        )
    if image.nbytes > slot_bytes:
        raise FrameRejectedError(
            f"frame: expected at most {slot_bytes:,} bytes (DRONE_AI_DETECT_MAX_FRAME_PIXELS), "
            f"got {image.nbytes:,} ({image.shape})"
        )


class FrameBlock:
    """The pool's side of one worker's shared block: it writes frames into slots."""

    def __init__(self, slots: int, slot_bytes: int) -> None:
        self.slots = slots
        self.slot_bytes = slot_bytes
        self._memory = shared_memory.SharedMemory(create=True, size=slots * slot_bytes)

    @property
    def name(self) -> str:
        return self._memory.name

    def write(self, slot: int, image: NDArray[np.uint8]) -> SlotRef:
        check_frame(image, self.slot_bytes)
        view = _view(self._memory, slot, self.slot_bytes, image.shape)
        np.copyto(view, image)
        del view  # no view may outlive the block: close() refuses while one exists
        return SlotRef(slot, tuple(image.shape))

    def close(self) -> None:
        self._memory.close()
        self._memory.unlink()


class AttachedBlock:
    """A worker's side of its block: it reads the frames the pool wrote."""

    def __init__(self, name: str, slot_bytes: int) -> None:
        # Attaching registers the block with the resource tracker again; spawned workers
        # share the pool's tracker, where it is registered once, so the pool's unlink is the
        # one that counts (and a pool that dies unannounced still has it cleaned up).
        self._memory = shared_memory.SharedMemory(name=name)
        self._slot_bytes = slot_bytes

    def read(self, ref: SlotRef) -> NDArray[np.uint8]:
        """The frame as an array over shared memory: valid until the slot is written again."""
        return _view(self._memory, ref.slot, self._slot_bytes, ref.shape)

    def close(self) -> None:
        self._memory.close()


def _view(
    memory: shared_memory.SharedMemory, slot: int, slot_bytes: int, shape: tuple[int, ...]
) -> NDArray[np.uint8]:
    return np.ndarray(shape, dtype=np.uint8, buffer=memory.buf, offset=slot * slot_bytes)
