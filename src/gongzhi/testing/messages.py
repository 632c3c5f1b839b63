"""The words for the codes of mass testing's rule modules (collection) and its refusals."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.messages import MessageTable
from gongzhi.testing.collection import Outcome

TESTING = MessageTable(
    {
        # collection: the answer to one scan event
        "ok": "",
        "already_sampled": _("该居民本轮已在{barcode}号管采样，未重复登记"),
        "pool_full": _("该管已满{pool_size}人，{people}人未扫入：请封管后换新管，再重扫"),
        "pool_short": _("本管只剩{room}个位置，该户{people}人均未扫入：请先封管、换新管，再重扫该户"),
        "tube_not_open": _("请先扫码开管"),
        "tube_closed": _("该管已封管，请换新管"),
        "tube_taken": _("该管号本轮已被其他采样员使用，请换新管"),
        "bad_barcode": _("管号格式不正确，不符合本轮的管号规则"),
        "bad_code": _("扫到的不是居民码、户码或身份证号，未登记"),
        "time_replaced": _("手机时间不可信（{at}），已按服务器收到的时间登记：请校准手机时间"),
        "bad_event": _("无法读取的扫码记录，未登记"),
        "unknown_resident": _("未找到该居民，请核对二维码或身份证号"),
        "bad_kind": _("未知的操作类型"),
        "single_tube": _("封控区居民须单人单管，请换新管"),
        # result_values and result_file: one result row (a file's row or an API item), a results file
        "result_empty": _("没有填写结果：结果只能是阴性或阳性"),
        "result_unknown": _("无法识别的结果“{value}”：结果只能是阴性或阳性（也可写作-、+、neg、pos）"),
        "result_contradictory": _("结果“{value}”自相矛盾（既有阴性又有阳性），未录入"),
        "recorded": "",
        "unchanged": _("该管已是这个结果，未重复录入"),
        "repeated": _("同一管号在本次上传中重复，结果相同，只录入一次"),
        "conflict_held": _("同一管号在本次上传中结果不一致（{values}），均未录入，已暂存待核实"),
        "result_differs": _("该管已记录为{recorded}，本行为{given}，未更改；如为复检更正，请用“更正结果”并写明原因"),
        "no_such_tube": _("本轮没有这个管号"),
        "no_such_tube_number": _(
            "本轮没有这个管号：它在文件里是数字，开头的0可能被Excel去掉了，请把管号列设为“文本”后重新填写再上传"
        ),
        "barcode_empty": _("没有填写管号"),
        "barcode_format": _("管号格式不正确"),
        "barcode_scientific": _(
            "管号被Excel转成了科学计数法（{value}），后几位已经丢失：请把管号列设为“文本”，重新填写管号后再上传"
        ),
        "barcode_lost_zeros": _(
            "本轮没有这个管号。可能是Excel去掉了开头的0：是否为管号{tube}？请把管号列设为“文本”，改正后再上传"
        ),
        "tube_not_resultable": _("该管状态不能记录结果"),
        "formula_no_value": _(
            "“{columns}”是公式，文件里没有保存它的值：请用Excel打开并保存后再上传，或把公式粘贴为数值"
        ),
        "result_column_twice": _("文件中有不止一列“{label}”（{columns}列）：请只保留一列后再上传"),
        "result_column_missing": _("缺少“{missing}”列：第{row}行的表头中找到的列是{found}"),
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
