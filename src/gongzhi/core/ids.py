"""Time-ordered public ids (ULID layout): 48-bit milliseconds then 80 random bits, Crockford base32.

Ordered ids keep B-tree inserts at the right edge of the index; random UUIDs cut SQLite insert
rates tenfold (DESIGN.md). No Django here.
"""

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id(now_ms: int | None = None) -> str:
    """A 26-character id that sorts by creation time."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
