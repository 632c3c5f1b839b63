"""The words for the codes of mass testing's rule modules (collection) and its refusals."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.messages import MessageTable
from gongzhi.testing.collection import Outcome

TESTING = MessageTable(
    {
        # collection: the answer to one scan event
        "ok": "",
        "already_sampled": _("该居民本轮已在{barcode}号管采样，未重复登记"),
        "pool_full": _("该管已满{pool_size}人，请封管后换新管"),
        "tube_not_open": _("请先扫码开管"),
        "tube_closed": _("该管已封管，请换新管"),
        "tube_taken": _("该管号本轮已被其他采样员使用，请换新管"),
        "bad_barcode": _("管号格式不正确（6-32位字母、数字或-）"),
        "unknown_resident": _("未找到该居民，请核对二维码或身份证号"),
        "bad_kind": _("未知的操作类型"),
        "single_tube": _("封控区居民须单人单管，请换新管"),
    }
)


def outcome_message(outcome: Outcome) -> str:
    """The words of a scan outcome, in the active language (answers stored before outcomes carried
    codes only keep their Chinese words in `_message`)."""
    if outcome.code == "ok":
        return ""
    if "_message" in outcome.params:
        return str(outcome.params["_message"])
    return TESTING.text(outcome.code, **outcome.params)


def outcomes_worded(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes with their words in the active language (only those that are not plain "ok")."""
    for outcome in outcomes:
        if outcome.code != "ok":
            outcome.message = outcome_message(outcome)
    return outcomes
