"""One file replaced atomically, with its mode set before any byte is in it.

The bytes go to a temporary file in the same folder (created with the final mode, so a secret
is never readable by others, not even for a moment), are fsynced, renamed over the target, and
the folder is fsynced so that the rename survives a crash. A reader sees the old file or the
new one, never a part. Raises OSError: callers translate it into their own error.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes, mode: int) -> bool:
    """Replace `path` with `data` (mode `mode`, the umask notwithstanding). Returns False,
    writing nothing, when the file already holds exactly these bytes with this mode."""
    if _holds(path, data, mode):
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(stream.fileno(), mode)  # O_CREAT's mode is cut by the umask
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
    return True


def _holds(path: Path, data: bytes, mode: int) -> bool:
    try:
        return (path.stat().st_mode & 0o7777) == mode and path.read_bytes() == data
    except OSError:
        return False


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (new names, renames) durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
