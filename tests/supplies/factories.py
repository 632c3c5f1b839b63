"""Builders for the supplies tests: catalogue rows, supply points, stock received through the ledger,
households with a located building, volunteers who may deliver, and orders taken to a state."""

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from gongzhi.places.services import role_assignment_create
from gongzhi.supplies import services
from gongzhi.supplies.models import Item, Package, PackageLine, StockBalance, StockMovement, SupplyPoint
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory

_n = itertools.count(1)

# The distribution point of community A (水井坊社区) and places around it: 0.001° of latitude is 111 m.
POINT_LAT, POINT_LON = 30.6500, 104.0850


def make_item(name=None, *, category="grain", unit="袋", kg="5", price=None, urgent_medical=False) -> Item:
    return Item.objects.create(
        name=name or f"品项{next(_n)}", category=category, unit=unit, kg_per_unit=Decimal(kg),
        price=None if price is None else Decimal(price), urgent_medical=urgent_medical,
    )  # fmt: skip


def make_package(name, lines) -> Package:
    package = Package.objects.create(name=name)
    PackageLine.objects.bulk_create([PackageLine(package=package, item=item, quantity=n) for item, n in lines])
    return package


def make_point(code, *, kind=SupplyPoint.Kind.DISTRIBUTION, name=None, lat=POINT_LAT, lon=POINT_LON) -> SupplyPoint:
    return SupplyPoint.objects.create(
        kind=kind, name=name or f"分发点{next(_n)}", community_code=code, latitude=lat, longitude=lon
    )


def receive(actor, point, item, quantity) -> StockMovement:
    return services.stock_receive(actor=actor, point=point, item=item, quantity=quantity, reason="测试入库")


def balance(point, item) -> int:
    return StockBalance.objects.filter(point=point, item=item).values_list("quantity", flat=True).first() or 0


def ledger_sum(point, item) -> int:
    return sum(StockMovement.objects.filter(point=point, item=item).values_list("quantity", flat=True))


def ledger(point, item) -> list[tuple[str, int, int]]:
    """The lines of one item at one point, oldest first: (kind, quantity, balance_after)."""
    rows = StockMovement.objects.filter(point=point, item=item).order_by("id")
    return list(rows.values_list("kind", "quantity", "balance_after"))


def located_building(community, *, dlat=0.0, dlon=0.0, located=True, grid=None):
    grid = grid or GridFactory(community=community, community_code=community.code)
    if not located:
        return BuildingFactory(grid=grid)
    return BuildingFactory(grid=grid, latitude=POINT_LAT + dlat, longitude=POINT_LON + dlon)


def household_in(building, room=None):
    return HouseholdFactory(building=building, **({"room": room} if room else {}))


def make_volunteer(community_code, phone=None, name="志愿者"):
    """An account holding the volunteer role in a community (as an approved volunteer's is): it may deliver."""
    user = get_user_model().objects.create_user(
        username=phone or f"139{next(_n):08d}", password="pass-for-tests-1", first_name=name
    )
    role_assignment_create(user=user, role="volunteer", area_code=community_code)
    return user
