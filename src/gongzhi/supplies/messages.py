"""The words for the codes of the supplies app's rule modules (delivery routes, days of supply)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Problem
from gongzhi.core.messages import MessageTable
from gongzhi.supplies import baseline, routing

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
        baseline.LOW: _("{category}仅够{days}天（低于{threshold:g}天）"),
        baseline.NONE_HELD: _("{category}没有库存"),
        baseline.BAD_AMOUNT: _("{category}的人均每日用量须为0到10千克之间的数，不是{value}"),
    }
)


def alert_text(problem: Problem, labels: dict[str, str]) -> str:
    """An alert of days of supply in words, the category named as people name it."""
    params: dict[str, Any] = {**problem.params, "category": labels.get(problem.params.get("category", ""), "")}
    return SUPPLIES.text(problem.code, **params)
