"""The roster's columns (the header names each field goes by), its template, and the shapes of a
row: the raw row, a clean RegisterRecord, a RowError."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from gongzhi.core.cleaning import clean_text

# Field -> header names seen in real rosters; the first is the one the template uses.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "身份证",
        "居民身份证号",
        "居民身份证号码",
        "证件号",
    ),
    "phone": ("联系电话", "手机号", "手机", "手机号码", "电话", "联系方式", "电话号码", "固定电话", "座机"),
    "grid": ("网格", "网格号", "所属网格"),
    "building": ("楼栋", "楼栋号", "楼号", "楼栋名称", "栋", "栋号"),
    # The compound (小区, 院落) a building stands in: its buildings' names repeat in the next one.
    "compound": ("小区", "小区名称", "小区/院落", "院落", "院落名称", "小区院落", "所在小区", "小区名"),
    "unit": ("单元", "单元号"),
    "room": ("房号", "门牌号", "房间号", "室", "房间"),
    "relation": ("与户主关系", "关系"),
    "tags": ("重点人群", "人群标签", "标签"),
    "birth_date": ("出生日期", "生日"),
    "notes": ("备注",),
    # Read from other offices' files, not in the template: the sex (checked against the ID
    # number), and their vulnerable-group column, whose words map to tags where they can.
    "gender": ("性别",),
    "groups": ("人员类别", "人员类型", "特殊人群", "特殊人群类别", "人员分类", "人群类别", "重点人员类别"),
    # A home address (the export writes the household's, 三圣东路180号锦绣名城1栋1单元101): only
    # read to tell apart buildings of one name in several compounds.
    "address": ("住址", "家庭住址", "居住地址", "现住址"),
}
# A field the header may name twice, whose second column is read too (联系电话 and 手机号码).
PHONE_2 = "phone_2"
REQUIRED = ("name", "id_number", "grid", "building", "room")
LABELS = {name: names[0] for name, names in COLUMNS.items()}
TEMPLATE_FIELDS = (
    "name", "id_number", "phone", "grid", "building", "unit", "room", "relation", "tags", "birth_date", "notes",
)  # fmt: skip
TEMPLATE_HEADERS = tuple(f"{LABELS[name]}(选填)" if name == "birth_date" else LABELS[name] for name in TEMPLATE_FIELDS)
EXAMPLE_MARK = "示例"


# One raw spreadsheet row: field -> cell value; a door: (building number, unit, room).
RawRow = Mapping[str, object]
Door = tuple[int, int, str]


class RowError(NamedTuple):
    row: int
    column: str
    code: str
    params: dict[str, Any] = {}


@dataclass(frozen=True)
class RegisterRecord:
    """One clean register row. Optional fields are None when their column is not in the file."""

    row: int
    name: str
    id_number: str
    grid: int
    building: int
    unit: int
    room: str
    phone: str | None = None
    relation: str | None = None
    tags: frozenset[str] | None = None  # the row's tags: they replace the stored ones
    notes: str | None = None
    # Tags read from another office's category column (人员类别...): added to the stored ones, never
    # removing any (such a column lists one category, not every tag a worker recorded).
    add_tags: frozenset[str] | None = None
    # Where the building is, as the row says it (compound_text of 小区; the 住址 cell without
    # spaces), "" when not said: `building` is the building's written number until
    # register_plan finds the community's building it means.
    compound: str = ""
    address: str = ""

    @property
    def door(self) -> tuple[int, int, str]:
        return (self.building, self.unit, self.room)


def is_example_row(raw: RawRow) -> bool:
    """The template's example row (its name starts with 示例) is never imported."""
    return clean_text(raw.get("name")).startswith(EXAMPLE_MARK)
