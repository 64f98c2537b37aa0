"""A file's SHA-256, read a block at a time: what recordings, the S3 store and release wheels
are checked by."""

from __future__ import annotations

import hashlib
from pathlib import Path

_READ_BLOCK = 1024 * 1024


def file_sha256(path: Path) -> str:
    """The file's SHA-256 in hex (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()
