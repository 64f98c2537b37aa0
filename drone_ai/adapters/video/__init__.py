"""Frame sources: MJPEG over HTTP (and, next, MPEG-TS through PyAV)."""
