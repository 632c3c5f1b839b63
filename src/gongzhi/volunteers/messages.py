"""The words for the codes of the volunteer reservoir's rule modules (the roster optimiser's
reasons and input errors)."""

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable
from gongzhi.volunteers.choices import SKILLS
from gongzhi.volunteers.rostering import Uncovered

VOLUNTEERS = MessageTable(
    {
        "no_candidates": _("没有志愿者"),
        "no_skill": _("没有具备技能{skills}的志愿者"),
        "no_skill_joint": _("没有同时具备技能{skills}的志愿者"),
        "few_skill": _("具备技能{skills}的志愿者只有{n}人"),
        "no_training": _("具备技能的志愿者都未完成培训“{training}”"),
        "no_training_at_all": _("没有完成培训“{training}”的志愿者"),
        "few_training": _("完成培训“{training}”的志愿者只有{n}人"),
        "not_available": _("该时段无可用志愿者"),
        "few_available": _("该时段可用的志愿者只有{n}人"),
        "shift_too_long": _("班次时长{hours:g}小时超过每日上限{limit:g}小时"),
        "full": _("符合条件的志愿者已排满或超出每日时长/休息要求"),
        "full_with_detail": _("{full}（{detail}）"),
        "full_busy": _("{n}人同一时段已在其他岗位"),
        "full_blocked": _("{n}人受每日时长或休息间隔限制"),
        "full_unplaced": _("{n}人未排入（求解未证明最优）"),
        "input": _("输入数据有误：{errors}"),
        "duplicate_id": _("{kind}编号{id}重复"),
        "kind_candidate": _("志愿者"),
        "kind_shift": _("班次"),
        "kind_need": _("需求"),
        "shift_ends_first": _("班次{shift}的结束时间不晚于开始时间"),
        "shift_mixed_tz": _("班次{shift}的时间有的带时区有的不带"),
        "shifts_mixed_tz": _("班次时间有的带时区有的不带"),
        "need_unknown_shift": _("需求{need}（{post}）引用了不存在的班次{shift}"),
        "need_negative": _("需求{need}（{post}）的人数为负"),
        "candidate_hours": _("志愿者{candidate}的已服务时长无效"),
        "rule_max_hours": _("每日时长上限无效"),
        "rule_rest": _("最短休息时长无效"),
        "rule_weights": _("权重不能为负"),
        "need_needed": _("需求{need}（{post}）的人数“{value}”无效：须为0到{limit}的整数"),
        "need_skills": _("需求{need}（{post}）的技能或培训要求无效"),
        "candidate_available": _("志愿者{candidate}的可服务班次无效：须为班次编号（整数）的集合"),
        "candidate_skills": _("志愿者{candidate}的技能或培训无效：须为文字的集合"),
        "shift_time": _("班次{shift}的开始或结束时间不是日期时间"),
        "bad_id": _("{kind}编号“{id}”无效：须为整数"),
        "kind_post": _("岗位"),
        "rule_community_weight": _("本社区优先权重“{value}”无效：须为0到{limit}的整数"),
        "rule_fairness_weight": _("公平分配权重“{value}”无效：须为0到{limit}的整数"),
        "too_large": _("排班的人数、时长或权重过大，超出求解器能精确计算的范围"),
        "input_more": _("{errors}等，共{n}处"),
    }
)


def _skills(names) -> str:
    return "、".join(f"“{SKILLS.get(s, s)}”" for s in names)


def problem_text(problem: Problem) -> str:
    """The words of one optimiser problem, in the active language."""
    params = dict(problem.params)
    if "skills" in params:
        params["skills"] = _skills(params["skills"])
    if problem.code in ("duplicate_id", "bad_id"):
        params["kind"] = VOLUNTEERS.text(f"kind_{params['kind']}")
    if problem.code == "input":
        params["errors"] = "；".join(problem_text(e) for e in params["errors"])
    if problem.code == "full":
        detail = [
            VOLUNTEERS.text(f"full_{part}", n=params[part]) for part in ("busy", "blocked", "unplaced") if params[part]
        ]
        text = VOLUNTEERS.text("full")
        return VOLUNTEERS.text("full_with_detail", full=text, detail="，".join(detail)) if detail else text
    return VOLUNTEERS.text(problem.code, **params)


def uncovered_reason(uncovered: Uncovered) -> str:
    """Why a need stayed (partly) uncovered, in the active language."""
    return "；".join(problem_text(p) for p in uncovered.reasons)


def roster_refusal(errors: Sequence[Problem], shown: int = 5) -> str:
    """Why no roster could be made from this input (the result's `errors`), in the active language: the first
    `shown` errors, each naming its item, and how many there are in all."""
    if len(errors) <= shown:
        return problem_text(Problem("input", {"errors": list(errors)}))
    first = "；".join(problem_text(e) for e in errors[:shown])
    return VOLUNTEERS.text("input", errors=VOLUNTEERS.text("input_more", errors=first, n=len(errors)))
