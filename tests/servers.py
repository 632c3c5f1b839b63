"""Helpers for tests that start real `gongzhi serve` processes."""

import http.client
import subprocess
import time


def wait_up(port: int, server: subprocess.Popen | None = None, tries: int = 300) -> None:
    """Wait until the server on this port answers /healthz with 200 (and has not stopped)."""
    for _ in range(tries):
        if server is not None:
            assert server.poll() is None, "the server stopped"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")
