"""A real RTSP server (GStreamer's gst-rtsp-server) serving one H.264 MP4 clip at rtsp://127.0.0.1:PORT/cam.

Usage: /usr/bin/python3 rtsp_server.py PORT CLIP
Each client gets its own playback from the start of the clip, paced in real time.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, clip = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( filesrc location="{clip}" ! qtdemux ! h264parse config-interval=-1 '
        "! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(False)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on port {port}")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
