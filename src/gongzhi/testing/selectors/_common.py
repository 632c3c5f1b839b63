"""The part of an area a round covers, shared by the coverage counts and the drill-down."""

from gongzhi.testing.models import Round


def _inside(round_: Round, area_code: str) -> str | None:
    """The part of an area the round covers: the narrower of the two codes, or None when they do
    not overlap. One code, so each query ranges over one prefix (two made SQLite range over the wider)."""
    code = area_code or round_.area_code
    if code.startswith(round_.area_code):
        return code
    if round_.area_code.startswith(code):
        return round_.area_code
    return None
