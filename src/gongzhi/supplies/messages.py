"""The words for the codes of the supplies app's rule modules (delivery routes, days of supply)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable
from gongzhi.supplies import baseline, route_plan, routing
from gongzhi.supplies.allocation import model as allocation_codes

SUPPLIES = MessageTable(
    {
        routing.UNREADABLE: _("无法读取 CVRP 文件（{reason}）"),
        routing.NO_CAPACITY: _("文件没有给出车辆容量（CAPACITY）"),
        routing.DEPOTS: _("须有且只有一个配送起点（DEPOT_SECTION），文件中有{n}个"),
        routing.NO_CUSTOMERS: _("文件中没有需要送达的点"),
        routing.NEGATIVE_DEMAND: _("第{customer}个送达点的需求量为负数：{demand}"),
        routing.OVER_CAPACITY: _("第{customer}个送达点的需求量{demand}超过车辆容量{capacity}，一趟送不下"),
        routing.NOT_FOUND: _("找不到文件：{path}"),
        routing.MISSING_FIELD: _("文件缺少 {field}"),
        routing.NO_ROUTES: _("{seconds:g} 秒内没有找到满足容量和车辆数的路线"),
        routing.BAD_SECONDS: _("求解时间须为大于0的秒数（最多86400），不是{value}"),
        route_plan.NO_VEHICLES: _("没有可用的配送志愿者（车辆），无法排线"),
        route_plan.BAD_CAPACITY: _("车辆{vehicle}的载重须为大于0的整数，不是{capacity}"),
        route_plan.BAD_SPEED: _("车辆{vehicle}的速度须为大于0的每分钟米数，不是{speed}"),
        route_plan.BAD_LOAD: _("送达点{stop}的重量须为大于0的整数，不是{load}"),
        route_plan.BAD_SERVICE: _("送达点{stop}的交付时间须为0到排线时长之间的整分钟数，不是{minutes}"),
        route_plan.BAD_WINDOW: _("送达点{stop}的时间窗{window}无效：最早须不晚于最迟，且在0到{horizon}分钟之内"),
        route_plan.DUPLICATE_KEY: _("编号{key}重复出现"),
        route_plan.BAD_COORDINATES: _("{key}的位置坐标无效"),
        route_plan.BAD_SETTING: _("排线参数{name}须在{low:g}到{high:g}之间，不是{value}"),
        route_plan.TOO_HEAVY: _("重{load}千克，超过最大车辆载重{capacity}千克，一趟送不下"),
        route_plan.OUT_OF_REACH: _("往返至少需要{minutes}分钟，超过排线时长{horizon}分钟"),
        route_plan.WINDOW_UNREACHABLE: _("最快也要第{minutes}分钟才能送到，赶不上约定的第{earliest}到{latest}分钟"),
        route_plan.NOT_PLACED: _("车辆、载重或时间不够，这次排线没能安排上（可增派志愿者或再排一次）"),
        allocation_codes.VULNERABLE_COVERED: _(
            "{category}：重点人群所需{need}千克已保障（原有{held}，分得{received}）"
        ),
        allocation_codes.VULNERABLE_SHORT: _(
            "{category}：重点人群所需{need}千克尚缺{missing}千克（原有{held}，分得{received}，可保障{days}天），"
            "本类物资已全部优先供给重点人群"
        ),
        allocation_codes.RAISED_TO_LEVEL: _(
            "{category}：由{days_before}天补到{days_after}天，各社区均已补到至少{level}天"
        ),
        allocation_codes.ALREADY_ABOVE_LEVEL: _("{category}：现有{days}天，不低于本次各社区补到的{level}天，未再分配"),
        allocation_codes.HORIZON_COVERED: _("{category}：现有{days}天，已够{horizon}天所需"),
        allocation_codes.SHORT: _("{category}：分配后{days}天，距{horizon}天所需尚缺{missing}千克（库存不足）"),
        allocation_codes.NEAREST_POINT: _("{category}：{units}千克来自最近的物资点{point}（{km}公里）"),
        allocation_codes.NEARER_POINTS_EMPTY: _(
            "{category}：{units}千克来自物资点{point}（{km}公里），更近的{nearer}个物资点已全部分出"
        ),
        allocation_codes.FARTHER_POINT: _(
            "{category}：{units}千克来自物资点{point}（{km}公里），更近的{nearer}个物资点中{left}个仍有存货"
            "（求解时间已到，未证明最优）"
        ),
        allocation_codes.NO_PEOPLE: _("{category}：该社区无常住人口，不参与分配"),
        allocation_codes.NO_CATEGORIES: _("没有给出物资类别"),
        allocation_codes.BAD_KEY: _("{kind}的编号须为非空文字，不是{key}"),
        allocation_codes.DUPLICATE: _("{kind}编号重复：{key}"),
        allocation_codes.BAD_COUNT: _("{kind}{key}的{field}须为不小于0的整数，不是{value}"),
        allocation_codes.VULNERABLE_OVER_PEOPLE: _("社区{community}的重点人群{vulnerable}人超过总人口{people}人"),
        allocation_codes.UNKNOWN_CATEGORY: _("{kind}{key}的库存中有未知的物资类别{category}"),
        allocation_codes.BAD_RATE: _("物资类别{category}的每人每日用量须为大于0的数，不是{value}"),
        allocation_codes.BAD_HORIZON: _("保障天数须大于0且不超过{limit}天，不是{value}"),
        allocation_codes.BAD_STEP: _("均衡步长须大于0、不超过保障天数{horizon}，且最多分成{limit}步，不是{value}"),
        allocation_codes.BAD_SECONDS: _("求解时间须为大于0的秒数，不是{value}"),
        allocation_codes.BAD_NEIGHBOURS: _("初始近邻数须为不小于1的整数，不是{value}"),
        allocation_codes.BAD_DISTANCE: _(
            "物资点{point}到社区{community}的距离缺失或无效（须为不小于0的公里数）：{value}"
        ),
        allocation_codes.BAD_DISTANCE_SHAPE: _("距离矩阵须为物资点×社区（{expected}），不是{shape}"),
        allocation_codes.TOO_LARGE: _("物资类别{category}的数量过大，超出精确计算范围"),
        baseline.LOW: _("{category}仅够{days}天（低于{threshold:g}天）"),
        baseline.NONE_HELD: _("{category}没有库存"),
        baseline.BAD_AMOUNT: _("{category}的人均每日用量须为0到10千克之间的数，不是{value}"),
    }
)


def problem_text(problem: Problem, labels: dict[str, str]) -> str:
    """A rule's problem in words, a category named as people name it."""
    params: dict[str, Any] = dict(problem.params)
    if "category" in params:
        params["category"] = labels.get(str(params["category"]), str(params["category"]))
    return SUPPLIES.text(problem.code, **params)


def alert_text(problem: Problem, labels: dict[str, str]) -> str:
    """An alert of days of supply in words, the category named as people name it."""
    params: dict[str, Any] = {**problem.params, "category": labels.get(problem.params.get("category", ""), "")}
    return SUPPLIES.text(problem.code, **params)
