"""Writes of living supplies, by topic: the catalogue, supply points and the stock ledger, orders and
packing, delivery runs and doorstep confirmation, allocation."""

from gongzhi.supplies.services.allocations import allocation_confirm, allocation_discard, allocation_propose
from gongzhi.supplies.services.catalogue import item_create, package_create
from gongzhi.supplies.services.delivery import CourierIn, runs_plan, stop_confirm, stop_fail
from gongzhi.supplies.services.orders import LineIn, order_accept, order_cancel, order_place, orders_pack
from gongzhi.supplies.services.stock import stock_count, stock_issue, stock_receive, stock_transfer, supply_point_create

__all__ = [
    "allocation_confirm",
    "allocation_discard",
    "allocation_propose",
    "CourierIn",
    "LineIn",
    "item_create",
    "order_accept",
    "order_cancel",
    "order_place",
    "orders_pack",
    "package_create",
    "runs_plan",
    "stock_count",
    "stock_issue",
    "stock_receive",
    "stock_transfer",
    "stop_confirm",
    "stop_fail",
    "supply_point_create",
]
