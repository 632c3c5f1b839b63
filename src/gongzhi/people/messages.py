"""The words for the problem codes of people's rule modules (id_rules, register_rules)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.messages import MessageTable

PEOPLE = MessageTable(
    {
        # id_rules
        "id_empty": _("身份证号不能为空"),
        "id_length": _("身份证号应为18位（前17位为数字，最后一位为数字或X）"),
        "id_scientific": _(
            "身份证号被Excel转成了科学计数法（如5.10104E+17），后几位数字已经丢失，请把该列设为文本后重新填写"
        ),
        "id_birth": _("身份证号中的出生日期无效"),
        "id_check": _("身份证号校验位不正确，请核对是否填错"),
        "phone": _("电话应为11位手机号（以1开头），或座机号如 028-85551234、85551234（分机号请写在备注里）"),
        "mobile": _("手机号应为11位数字，以1开头"),
        # register_rules
        "name_empty": _("姓名不能为空"),
        "name_long": _("姓名不能超过50个字"),
        "grid": _("网格应为数字，如 1 或 第1网格"),
        "grid_empty": _("网格不能为空"),
        "building": _("楼栋应为数字，如 3、3栋 或 3号楼"),
        "building_empty": _("楼栋不能为空"),
        "unit": _("单元应为数字，如 2 或 2单元"),
        "room_empty": _("房号不能为空"),
        "room_long": _("房号不能超过20个字"),
        "relation_long": _("与户主关系不能超过20个字"),
        "notes_long": _("备注不能超过500个字"),
        "register_formula": _("这一格是公式，文件里没有保存它的值：请用Excel打开并保存后再上传，或把公式粘贴为数值"),
        "tags_unknown": _("未知的重点人群标签：{unknown}（可填：{known}）"),
        "birth_unreadable": _("出生日期无法识别，请写成 1980-05-17 这样的格式"),
        "birth_mismatch": _("出生日期与身份证号中的出生日期（{born}）不一致"),
        "duplicate": _("与第{row}行身份证号重复"),
        "other_community": _("该身份证号已在其他社区登记，请先由该社区办理迁出"),
        "building_grid": _("楼栋“{building}”已属于第{grid}网格，与填写的第{here}网格不一致"),
        "building_grid_in_file": _("第{row}行把楼栋“{building}”填在第{grid}网格，这里填的是第{here}网格"),
        "building_ambiguous": _("本社区有{count}个“{building}”（{places}），请在“小区”列填写楼栋所在的小区"),
        "compound_long": _("小区名称不能超过100个字"),
        "building_new_in_compound": _(
            "将新建楼栋“{building}”：本社区已有同名楼栋（如{others}），但不在这个小区。如果小区名称写错了，请改正后重新上传"
        ),
        "phone_second": _("本行两列电话的号码不同：只导入“{kept}”列的号码，这一列的号码未导入（每位居民登记一个电话）"),
        "birth_ignored": _("出生日期无法识别，已按身份证号中的出生日期登记"),
        "footer_skipped": _("“{text}”是表尾的合计或签字行，已跳过，未导入"),
        "hidden_rows": _(
            "文件中有{count}行是隐藏的（第{rows}行），这些行也会导入；如果不想导入，请删除这些行后重新上传"
        ),
        "tags_unknown_field": _("未知的重点人群标签：{unknown}"),
        "tag_unmapped": _("“{value}”没有对应的重点人群标签，未作为标签导入（共{count}行：第{rows}行）"),
        "gender_unreadable": _("性别应填写“男”或“女”"),
        "gender_mismatch": _(
            "身份证号与性别列填写的“{given}”不符（身份证号第17位奇数为男、偶数为女），多半是身份证号填错了，请核对"
        ),
        "id_truncated": _(
            "身份证号以000结尾，很可能被Excel当作数字截断了（Excel只保留15位有效数字，后几位变成0）。"
            "请在原始表格中把身份证号列设置为“文本”格式，填入完整号码后重新导出再上传"
        ),
    }
)


def row_error_text(error: list | tuple) -> str:
    """The words of a stored register row error: [row, column, code, params] (or, in reports written
    before codes, [row, column, message])."""
    if len(error) >= 4:
        return PEOPLE.text(error[2], **(error[3] or {}))
    return str(error[2])
