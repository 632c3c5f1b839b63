"""Message tables: the words for the codes that pure rule modules return, one table per app.

A rule module returns `Problem(code, params)`; the edge (a service refusing, a view or endpoint
answering) turns it into words with its app's table, in the language of the request. The Chinese
source texts are the catalogue's msgids; the English is in locale/en (tests/core/test_catalogue.py
checks every text is translated).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem


class MessageTable:
    """Code -> message template (with `{name}` placeholders for the problem's parameters)."""

    def __init__(self, texts: Mapping[str, str | Promise]):
        self.texts = dict(texts)

    def text(self, code: str, **params: Any) -> str:
        """The words for a code, in the active language."""
        return str(self.texts[code]).format(**params)

    def of(self, problem: Problem) -> str:
        return self.text(problem.code, **problem.params)

    def __contains__(self, code: object) -> bool:
        return code in self.texts


# core's own: spreadsheet files (core.tabular), number searches and workflows.
CORE = MessageTable(
    {
        "empty_file": _("文件是空的"),
        "too_big": _("文件太大：最多{limit}MB"),
        "too_many_rows": _("文件超过{limit}行的上限，请拆分成几个文件分别导入"),
        "xls": _("不支持旧版Excel（.xls）文件，请在Excel中“另存为”.xlsx格式后再上传"),
        "wrong_type": _("只支持Excel（.xlsx）或CSV（.csv）文件"),
        "broken_xlsx": _("文件已损坏或不是有效的Excel（.xlsx）文件"),
        "binary_csv": _("文件不是文本格式的CSV，请确认文件类型"),
        "encoding": _("无法识别文件编码，请在Excel中另存为“CSV UTF-8”或.xlsx格式"),
        "broken_csv": _("CSV文件格式有误：{detail}"),
        "no_header": _("前{n}行中没有找到表头（应包含“{columns}”等列名）"),
        "missing_columns": _("缺少必填列：{columns}（第{row}行的表头中找到的列是：{found}）"),
        "no_rows": _("表头（第{row}行）下面没有数据行，没有导入任何内容"),
        "more_sheets": _(
            "文件中有{n}个工作表都有表头和数据（{sheets}），一次只能导入一个工作表："
            "请把它们合并到一个工作表，或分别另存为文件上传"
        ),
        "full_number_forbidden": _("您只能按身份证号或电话的后4位搜索"),
        "bad_cursor": _("翻页链接无效，请从第一页重新开始"),
        "offset_too_deep": _("按页码最多翻到第{limit}条，请用 after 参数继续翻页"),
        "age_under_60": _("60岁以下"),
        "age_60_plus": _("60岁及以上"),
        "step_refused": _("状态不能从“{source}”变为“{target}”"),
        "step_level": _("这一步须由{level}办理"),
        "step_owner": _("这一步只能由本人办理"),
        "step_not_allowed": _("您无权办理这一步"),
        "level_community": _("社区"),
        "level_street": _("街道"),
        "level_district": _("区县"),
        "level_city": _("市"),
        "level_grid": _("网格员"),
        "level_building": _("楼栋长"),
    }
)
