"""A fake camera for chromium (--use-file-for-fake-video-capture): a Y4M video showing a QR code,
used by the camera tests and by bench/bench_camera_reads.py. No Django here."""

import io

import segno
from PIL import Image

WIDTH, HEIGHT = 640, 480


# The code's sides in the video's frames, as a hand brings the phone nearer: all well inside the page's
# scanning box. One still picture is not enough: the reader (zxing in html5-qrcode) misses some codes
# drawn at one size every time, however often it tries (bench/bench_camera_reads.py measures how
# often, against these sides; docs/benchmarks.md, "Camera reads").
SIDES = (200, 220, 240, 260, 280)
# Each size is held half a second (4 frames a second, 2 frames each): the reader looks at a frame 8
# times a second at most, between decodes, so every size is looked at several times whatever the
# timing of its looks. With each size held a tenth of a second, one test run still missed for 50 s,
# its two snapshots holding the same size: which sizes a slowed reader sees may depend on how its
# looks fall against the frames.
FPS = 4


def camera_showing(text: str, path, sides: tuple[int, ...] = SIDES) -> None:
    """A Y4M video (what chromium's fake camera reads) showing `text` as a QR code at each of `sides`
    in turn, half a second each, played in a loop."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=10, border=4)
    code = Image.open(png).convert("L")
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)  # grey: no colour
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for side in sides:
            frame = Image.new("L", (WIDTH, HEIGHT), 255)
            frame.paste(code.resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
            for _ in range(2):
                out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
