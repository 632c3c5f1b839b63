"""The words for the codes of the supplies app's rule modules (delivery routes, days of supply)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable
from gongzhi.supplies import baseline, route_plan, routing

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
        baseline.LOW: _("{category}仅够{days}天（低于{threshold:g}天）"),
        baseline.NONE_HELD: _("{category}没有库存"),
        baseline.BAD_AMOUNT: _("{category}的人均每日用量须为0到10千克之间的数，不是{value}"),
    }
)


def alert_text(problem: Problem, labels: dict[str, str]) -> str:
    """An alert of days of supply in words, the category named as people name it."""
    params: dict[str, Any] = {**problem.params, "category": labels.get(problem.params.get("category", ""), "")}
    return SUPPLIES.text(problem.code, **params)
