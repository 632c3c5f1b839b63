"""The words for the codes of the appeals app's rule modules: why a request is as urgent as it is
(triage), the check of the deadlines' setting (sla), a 12345 work-order file's row errors
(hotline_file)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import hotline_file, sla, triage
from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable

APPEALS = MessageTable(
    {
        # triage: the reasons of an urgency
        triage.BY_CATEGORY: _("诉求类别“{category}”：{urgency}"),
        triage.BY_KEYWORD: _("诉求内容提到“{word}”：{urgency}"),
        triage.BY_TAG: _("该户有重点人群“{tag}”：{urgency}"),
        triage.RAISED: _("封控区内的诉求，紧急程度上调{by}级"),
        # sla: the setting GONGZHI_APPEAL_SLA (minutes at each level, per urgency)
        sla.SLA_MISSING: _("办理时限设置（GONGZHI_APPEAL_SLA）缺少{urgency}的分钟数"),
        sla.SLA_UNKNOWN: _(
            "办理时限设置（GONGZHI_APPEAL_SLA）中的{urgency}不是紧急程度（应为critical、urgent、normal）"
        ),
        sla.SLA_BAD_MINUTES: _(
            "办理时限设置（GONGZHI_APPEAL_SLA）中{urgency}的分钟数须为1到{limit}之间的整数，不是{value}"
        ),
        sla.SLA_ORDER: _(
            "办理时限设置（GONGZHI_APPEAL_SLA）中{urgency}的时限（{minutes}分钟）不能长于"
            "{other_urgency}的时限（{other_minutes}分钟）"
        ),
        # hotline_file: one row of a 12345 work-order file
        hotline_file.REF_EMPTY: _("工单编号为空"),
        hotline_file.REF_LONG: _("工单编号超过{limit}个字符"),
        hotline_file.REF_DAMAGED: _(
            "工单编号被Excel转成了数字（{value}），后几位已经丢失：请把该列设为文本格式后重新导出"
        ),
        hotline_file.REF_DUPLICATE: _("工单编号{ref}与第{first_row}行重复"),
        hotline_file.TIME_EMPTY: _("来电时间为空"),
        hotline_file.TIME_UNREADABLE: _("无法识别的来电时间“{value}”（应如2022-09-05 10:32）"),
        hotline_file.TIME_FUTURE: _("来电时间{value}晚于当前时间，请核对"),
        hotline_file.TIME_EARLY: _("来电时间{value}早于2000年，请核对"),
        hotline_file.ADDRESS_EMPTY: _("诉求地址为空"),
        hotline_file.ADDRESS_LONG: _("诉求地址有{length}个字，超过{limit}个字的上限"),
        hotline_file.TEXT_EMPTY: _("诉求内容为空"),
        hotline_file.CALLER_LONG: _("来电人有{length}个字，超过{limit}个字的上限"),
        hotline_file.FORMULA: _(
            "“{columns}”是公式，文件里没有保存它的值：请用Excel打开并保存后再上传，或把公式粘贴为数值"
        ),
        # hotline_file: warnings of a row imported all the same
        hotline_file.PHONE_BAD: _("联系电话“{value}”不是电话号码（应为7到20位数字），工单照常导入，不带联系电话"),
        hotline_file.PHONE_MASKED: _("联系电话“{value}”是打了星号的号码，工单照常导入，不带联系电话"),
        hotline_file.PHONE_SEVERAL: _("联系电话“{value}”有多个号码，只记录了第一个可用的号码{kept}"),
        hotline_file.PHONE_EXTENSION: _("联系电话“{value}”带分机号：号码记为{phone}，分机{extension}写在来电人后面"),
        hotline_file.TEXT_CUT: _(
            "诉求内容有{length}个字，超过{limit}个字的上限：已截断导入，末尾注明“原文过长，已截断，全文见12345工单”"
        ),
    }
)


def problem_text(problem: Problem) -> str:
    """The words of a problem, in the active language; a triage reason's category, urgency and tag
    named as people name them (the settings check keeps the keys as the setting spells them)."""
    params: dict[str, Any] = dict(problem.params)
    if problem.code in triage.CODES:
        # Imported here, so that importing the table needs no models (the labels are their choices).
        from gongzhi.appeals.models import Category, Urgency
        from gongzhi.people.models import VulnerabilityTag

        for key, choices in (("category", Category), ("urgency", Urgency), ("tag", VulnerabilityTag)):
            if key in params:
                labels = dict(choices.choices)
                params[key] = labels.get(params[key], params[key])
    return APPEALS.text(problem.code, **params)
