"""What recording and correcting share: the tube row read, barcodes as typed, the answer's shape,
the result's label, and the topic of positive pools."""

from dataclasses import dataclass

from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.testing.messages import TESTING
from gongzhi.testing.models import Tube

POOLS_POSITIVE = "testing.pools_positive"


@dataclass(frozen=True)
class _TubeRow:
    pk: int
    barcode: str
    state: str
    community_code: str
    samples: int


def _barcode_of(value: object) -> str:
    """A barcode as typed or copied: half-width, no spaces; a number Excel made of it back to digits."""
    if isinstance(value, str) and value.isascii() and value.isalnum():  # as machines send it
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return clean_code(value)
    return clean_text(value).replace(" ", "")


def _answer(barcode: str, status: str, code: str, **params) -> dict:
    return {"barcode": barcode, "status": status, "code": code, "message": TESTING.text(code, **params)}


def _label(state: str) -> str:
    return str(Tube.Status(state).label)
