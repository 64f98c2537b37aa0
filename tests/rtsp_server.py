"""A one-file RTSP server for tests, the way a fixed CCTV camera serves its video:
`/usr/bin/python3 tests/rtsp_server.py PORT FILE.ts` serves the file's H.264 at
rtsp://127.0.0.1:PORT/camera and prints "ready".

It runs on Debian's Python with GStreamer's RTSP server (python3-gi,
gir1.2-gst-rtsp-server-1.0; `make test` installs them): neither FFmpeg nor any PyPI package
here can serve RTSP.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port, path = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")  # loopback only
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( filesrc location={path} ! tsdemux ! h264parse ! rtph264pay name=pay0 pt=96 "
    "config-interval=1 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/camera", factory)
server.attach(None)
print("ready", flush=True)
GLib.MainLoop().run()
