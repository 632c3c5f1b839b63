"""Baseline demand and days of supply. No Django here.

A community's daily need of a category is its residents times the per-person daily amount, plus, for
medicine, its residents with a chronic condition (chronic, insulin, dialysis) times their amount. Its
days of supply are the stock held in the community (its distribution point and the shops inside it)
over that need. A community below the alert threshold raises an alert.

The per-person amounts are the middle of the ranges of the Chinese Dietary Guidelines' balanced diet
pagoda for an adult (中国营养学会《中国居民膳食指南（2022）》平衡膳食宝塔): grain 200-300 g plus
tubers 50-100 g, vegetables 300-500 g, livestock and poultry meat 40-75 g, eggs 40-50 g, milk and
dairy 300-500 g, cooking oil 25-30 g a day. Medicine has no such figure: its 0.02 kg a day per
chronic patient is a working figure of this project, to be set by the city (settings
GONGZHI_SUPPLY_DAILY_KG overrides any of them, GONGZHI_SUPPLY_ALERT_DAYS the threshold).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from gongzhi.core.errors import Problem

SOURCE = "中国营养学会《中国居民膳食指南（2022）》平衡膳食宝塔（成人每日推荐量区间的中值）"
DAILY_KG: dict[str, float] = {
    "grain": 0.325,
    "vegetables": 0.4,
    "meat": 0.0575,
    "eggs": 0.045,
    "milk": 0.4,
    "oil": 0.0275,
}
CHRONIC_DAILY_KG: dict[str, float] = {"medicine": 0.02}
ALERT_DAYS = 3.0

LOW = "supply_low_days"
NONE_HELD = "supply_none_held"
BAD_AMOUNT = "supply_bad_daily_amount"
CODES = (LOW, NONE_HELD, BAD_AMOUNT)


@dataclass(frozen=True)
class People:
    """Who a community feeds: all its residents, and those needing medicine every day."""

    residents: int
    chronic: int = 0


def checked_amounts(amounts: Mapping[str, float]) -> list[Problem]:
    """A configured amount that is not a positive number below 10 kg a person a day."""
    return [
        Problem(BAD_AMOUNT, {"category": category, "value": value})
        for category, value in amounts.items()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10
    ]


def daily_need(
    people: People,
    daily: Mapping[str, float] = DAILY_KG,
    chronic_daily: Mapping[str, float] = CHRONIC_DAILY_KG,
) -> dict[str, float]:
    """Kilograms a day, per category with a known amount."""
    need = {category: people.residents * kg for category, kg in daily.items()}
    for category, kg in chronic_daily.items():
        need[category] = need.get(category, 0.0) + people.chronic * kg
    return need


def days_of_supply(stock_kg: Mapping[str, float], need_kg: Mapping[str, float]) -> dict[str, float | None]:
    """Days the stock lasts, per category with a need (None where nobody needs it)."""
    return {category: (stock_kg.get(category, 0.0) / need if need > 0 else None) for category, need in need_kg.items()}


def alerts(days: Mapping[str, float | None], threshold: float = ALERT_DAYS) -> list[Problem]:
    """The categories below the threshold, the lowest first."""
    low = sorted((d, c) for c, d in days.items() if d is not None and d < threshold)
    return [
        Problem(NONE_HELD if d == 0 else LOW, {"category": c, "days": round(d, 1), "threshold": threshold})
        for d, c in low
    ]


def lowest(days: Mapping[str, float | None]) -> float | None:
    """The fewest days of any category (what the community runs out of first)."""
    known = [d for d in days.values() if d is not None]
    return min(known) if known else None
