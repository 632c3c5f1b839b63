"""The catalogue: items and packages (bills of materials). It is the city's, kept by staff who manage
stock at district or city level."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.supplies.models import Category, Item, Package, PackageLine
from gongzhi.supplies.services.stock import units


def _may_keep_catalogue(actor: Any) -> None:
    if not any(len(code) <= 6 for code in access.official_areas(actor, roles.MANAGE_STOCK)) and not getattr(
        actor, "is_superuser", False
    ):
        raise ApplicationError(_("物资目录由区县或市级工作人员维护"), status=403)


def _decimal(value: Any, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("%(label)s须为数字") % {"label": label}, status=422) from None
    if not number.is_finite() or not low <= number <= high:
        raise ApplicationError(
            _("%(label)s须在%(low)s到%(high)s之间") % {"label": label, "low": low, "high": high}, status=422
        )
    return number


def item_create(
    *,
    actor: Any,
    name: str,
    category: str,
    unit: str,
    kg_per_unit: Any,
    price: Any = None,
    urgent_medical: bool = False,
) -> Item:
    """A new item of the catalogue."""
    _may_keep_catalogue(actor)
    name, unit = clean_text(name)[:60], clean_text(unit)[:10]
    if not name or not unit:
        raise ApplicationError(_("请填写品名和单位"), status=422)
    if category not in Category.values:
        raise ApplicationError(_("请选择物资类别"), status=422)
    if Item.objects.filter(name=name).exists():
        raise ApplicationError(_("目录中已有“%(name)s”") % {"name": name}, status=409)
    item = Item(
        name=name, category=category, unit=unit,
        kg_per_unit=_decimal(kg_per_unit, _("每单位重量"), low=Decimal("0.001"), high=Decimal("1000")),
        price=None if price in (None, "") else _decimal(price, _("价格"), low=Decimal(0), high=Decimal(100000)),
        urgent_medical=bool(urgent_medical),
    )  # fmt: skip
    item.full_clean()
    item.save()
    return item


def package_create(*, actor: Any, name: str, lines: Sequence[tuple[Item, Any]], description: str = "") -> Package:
    """A package made of items (each once, in whole units)."""
    _may_keep_catalogue(actor)
    name = clean_text(name)[:60]
    if not name:
        raise ApplicationError(_("请填写物资包名称"), status=422)
    if not lines:
        raise ApplicationError(_("物资包至少要有一个品项"), status=422)
    if len({item.pk for item, _n in lines}) != len(lines):
        raise ApplicationError(_("同一品项在物资包中只能出现一次"), status=422)
    if Package.objects.filter(name=name).exists():
        raise ApplicationError(_("目录中已有“%(name)s”") % {"name": name}, status=409)
    with transaction.atomic():
        package = Package.objects.create(name=name, description=clean_text(description)[:200])
        PackageLine.objects.bulk_create(
            [PackageLine(package=package, item=item, quantity=units(n)) for item, n in lines]
        )
    return package
