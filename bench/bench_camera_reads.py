"""How often the phone camera's reader (html5-qrcode, vendored) reads a door code, shown by chromium's
fake camera at one size, and at the five sizes the camera tests use (tests/browser/camera_video.py).

Each code gets its own chromium (a fake camera plays one file) and a bare page that starts the
reader as the collection page does (fps 8, a 240×240 box, 332 px wide as on a 390 px phone); a code
not read in 8 s is a miss. Misses at one size are tried again, to see whether they are for good.

    .venv/bin/python bench/bench_camera_reads.py [--codes 40]
"""

import argparse
import functools
import http.server
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser.camera_video import SIDES, camera_showing  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
READER = ROOT / "src/gongzhi/core/static/vendor/html5-qrcode/html5-qrcode.min.js"
PAGE = """<!doctype html><html><body style="margin:0"><div id="camera" style="width:332px"></div>
<script src="html5-qrcode.min.js"></script>
<script>
window.read = null;
new Html5Qrcode("camera", {verbose: false}).start({facingMode: "environment"},
  {fps: 8, qrbox: {width: 240, height: 240}}, function (t) { if (!window.read) window.read = t; }, function () {});
</script></body></html>"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def read_seconds(playwright, folder: Path, port: int, code: str, sides) -> float | None:
    """Seconds until the reader read `code` from the fake camera (None: not in 8 s)."""
    video = folder / "camera.y4m"
    camera_showing(code, video, sides)
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"http://127.0.0.1:{port}/index.html")
        start = time.monotonic()
        while time.monotonic() - start < 8:
            read = page.evaluate("() => window.read")
            if read:
                if read != code:
                    raise SystemExit(f"read {read!r} for {code!r}")
                return time.monotonic() - start
            time.sleep(0.1)
        return None
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codes", type=int, default=40, help="random door codes to try")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="camera-reads-"))
    shutil.copy(READER, folder / "html5-qrcode.min.js")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    codes = ["H:" + secrets.token_hex(12) for _ in range(args.codes)]  # as a household's door code
    try:
        with sync_playwright() as playwright:
            for label, sides in (("one size (240 px)", (240,)), (f"five sizes {SIDES}", SIDES)):
                times, missed = [], []
                for code in codes:
                    seconds = read_seconds(playwright, folder, port, code, sides)
                    (missed.append(code) if seconds is None else times.append(seconds))
                again = sum(read_seconds(playwright, folder, port, code, sides) is None for code in missed)
                median = f"{statistics.median(times):.1f} s" if times else "-"
                print(
                    f"{label}: {len(times)} of {len(codes)} codes read (median {median}, slowest"
                    f" {max(times, default=0):.1f} s); {len(missed)} missed, {again} of them missed again",
                    flush=True,
                )
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
