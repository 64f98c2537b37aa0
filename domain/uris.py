"""URIs as the tower shows them: without a user and password (rtsp://user:secret@cam ->
rtsp://cam), since status details, recordings' manifests and logs are read by others, and an
input's error message often quotes its URI."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


def without_credentials(text: str) -> str:
    """`text` with the user and password taken out of every URI in it."""
    return _USERINFO.sub(r"\1", text)


def has_credentials(text: str) -> bool:
    return _USERINFO.search(text) is not None
