"""The words for the codes of the zone rules (zones.rules): why a release is refused, what is wrong
with a rule set, why an edited zone is refused."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable
from gongzhi.zones import rules

KIND_WORDS = {rules.LOCKDOWN: _("封控区"), rules.CONTROL: _("管控区"), rules.PREVENTION: _("防范区")}

# What a zone means for the people inside: its notice, and the household's pages while it holds.
MEASURE_WORDS = {
    rules.LOCKDOWN: _(
        "区域内居民请居家，不外出；核酸检测单人单管，上门采样；生活物资由社区和志愿者送到门口；"
        "就医、用药等需求请在本户页面提交求助，将优先处理。"
    ),
    rules.CONTROL: _("区域内居民请减少外出，不聚集；核酸检测单人单管；需要帮助请在本户页面提交求助。"),
    rules.PREVENTION: _("区域内居民请做好个人防护，按通知参加核酸检测（20合1混采）。"),
}

ZONES = MessageTable(
    {
        rules.RELEASE_TOO_SOON: _("{kind}须连续{days}天无新增阳性（自{since}起）才能解除，还差约{hours_left}小时"),
        rules.RELEASE_ROUNDS: _("{kind}解除前须有{rounds}轮核酸检测全部阴性，目前只有{negative_rounds}轮"),
        rules.RULE_UNKNOWN_KIND: _("风险区规则中的“{kind}”不是风险区类型（应为lockdown、control、prevention）"),
        rules.RULE_UNKNOWN_LEVEL: _(
            "风险区规则中的“{level}”不是区域层级（应为building、grid、community、street、district）"
        ),
        rules.RULE_ORDER: _("风险区规则中{kind}的范围（{level}）不能大于{other_kind}的范围（{other_level}）"),
        rules.RULE_BAD_NUMBER: _("风险区规则中{kind}的{name}不是有效的数（{value}）"),
        rules.EDIT_OUTSIDE: _("这些楼栋不在该风险区的范围内：{buildings}"),
        rules.EDIT_EMPTY: _("风险区至少要包含一栋楼"),
    }
)


def problem_text(problem: Problem) -> str:
    """A rule's problem in words, the kind named as people say it."""
    params = dict(problem.params)
    if params.get("kind") in KIND_WORDS:
        params["kind"] = str(KIND_WORDS[params["kind"]])
    if params.get("other_kind") in KIND_WORDS:
        params["other_kind"] = str(KIND_WORDS[params["other_kind"]])
    if isinstance(params.get("since"), str):  # the rules' ISO time, shown in the site's time zone
        params["since"] = timezone.localtime(dt.datetime.fromisoformat(params["since"])).strftime("%Y-%m-%d %H:%M")
    if isinstance(params.get("buildings"), list):
        params["buildings"] = "、".join(params["buildings"])
    return ZONES.text(problem.code, **params)
