"""Where a row says a resident lives: grid, building, unit and room numbers as people write them,
and the community's buildings found by name, compound or home address."""

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

from gongzhi.core.cleaning import clean_text

_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def chinese_number(text: str) -> int | None:
    """1-99 written in Chinese numerals (三, 十二, 二十, 九十九) or in digits."""
    if text.isdecimal():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value).replace(" ", "")


_GRID = re.compile(r"^(?:网格)?第?(.+?)(?:号)?(?:网格)?$")
_BUILDING = re.compile(r"^第?(.+?)(?:号楼栋|号楼|号栋|楼栋|栋|幢|号|座)?$")
_UNIT = re.compile(r"^第?(.+?)(?:单元)?$")


# No community numbers its grids, buildings or units past this; a larger number is a typo (and
# would not fit the database's column).
MAX_PLACE_NUMBER = 9999


def _parse_positive(value: object, pattern: re.Pattern[str]) -> int | None:
    match = pattern.match(_number_text(value))
    number = chinese_number(match[1]) if match else None
    return number if number and 0 < number <= MAX_PLACE_NUMBER else None


@functools.lru_cache(maxsize=4096)
def parse_grid(value: object) -> int | None:
    """1, "1", "第1网格", "1网格", "网格1", "第一网格" -> 1."""
    return _parse_positive(value, _GRID)


@functools.lru_cache(maxsize=4096)
def parse_building(value: object) -> int | None:
    """3, "3", "3栋", "3号楼", "３栋", "第3栋" -> 3."""
    return _parse_positive(value, _BUILDING)


@functools.lru_cache(maxsize=4096)
def parse_unit(value: object) -> int | None:
    """2, "2", "2单元", "二单元" -> 2; empty is unit 1 (buildings without units)."""
    if value is None or _number_text(value) == "":
        return 1
    return _parse_positive(value, _UNIT)


def parse_room(value: object) -> str:
    """ "501", 501, "501室", " 5０1 " -> "501"."""
    text = _number_text(value)
    return re.sub(r"(室|号|房)$", "", text) if len(text) > 1 else text


class StoredBuilding(NamedTuple):
    """A building of the community as stored: its number (unique in the community), its name
    (1栋, often repeated in the community's other compounds), its address (书院横街39号明珠华庭)."""

    number: int
    name: str
    address: str
    grid: int


def compound_text(value: object) -> str:
    """A compound as written, for matching: half-width, no spaces, without 小区 or 院落 at its end."""
    text = clean_text(value).replace(" ", "")
    return re.sub(r"(小区|院落)$", "", text) or text


def compound_of(address: str) -> str:
    """The compound of a building's address: what follows its street number (书院横街39号明珠华庭 ->
    明珠华庭), else the address."""
    return re.sub(r"^.*[0-9]号(?=.)", "", address)


def building_label(building: StoredBuilding) -> str:
    """A building as people name it: 明珠华庭 1栋."""
    return f"{compound_of(building.address)} {building.name}".strip()


def _place(building: StoredBuilding) -> str:
    return (clean_text(building.address) + clean_text(building.name)).replace(" ", "")


def _said_place(text: str, building: StoredBuilding) -> bool:
    """A compound (明珠华庭) in the building's address and name, or its address and name in a home
    address (书院横街39号明珠华庭1栋1单元101)."""
    place = _place(building)
    return text in place or place in text


class Buildings:
    """The community's buildings, found by what a row writes: its number or the number in its
    name (1, 1栋 and 1号楼 are all "1"), with the compound or home address that tells apart
    buildings of one name."""

    def __init__(self, buildings: Iterable[StoredBuilding]):
        self.by_number = {b.number: b for b in buildings}
        self.by_name: dict[int, list[StoredBuilding]] = {}
        for b in self.by_number.values():
            if (number := parse_building(b.name)) is not None:
                self.by_name.setdefault(number, []).append(b)

    def find(
        self, written: int, compound: str = "", address: str = ""
    ) -> tuple[StoredBuilding | None, list[StoredBuilding]]:
        """(the building meant, []); (None, []) for a building to create; (None, the candidates)
        when several buildings could be meant and nothing on the row tells which."""
        if compound:  # the compound's building of that name
            found = [b for b in self.by_name.get(written, ()) if _said_place(compound, b)]
            return (found[0], []) if len(found) == 1 else (None, found)
        named = list({b.number: b for b in self.candidates(written)}.values())
        if address and len(named) > 1:
            found = [b for b in named if _said_place(address, b)]
            named = found if len(found) == 1 else named
        return (named[0], []) if len(named) == 1 else (None, named)

    def candidates(self, written: int) -> list[StoredBuilding]:
        """The buildings numbered so, then those of that name (1栋 in every compound)."""
        numbered = self.by_number.get(written)
        return ([numbered] if numbered else []) + self.by_name.get(written, [])
