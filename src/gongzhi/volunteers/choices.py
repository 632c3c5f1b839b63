"""What a volunteer can offer and when: skills, the parts of a week, certificate thresholds, and
the roster rules, as the reservoir's pages and services offer them."""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy

from gongzhi.volunteers import rostering

CONSENT_VERSION = "2026-11"
SKILLS = {
    "medical": gettext_lazy("医疗"),
    "driving": gettext_lazy("驾驶"),
    "logistics": gettext_lazy("物流"),
    "counselling": gettext_lazy("心理疏导"),
    "it": gettext_lazy("信息技术"),
    "languages": gettext_lazy("方言/外语"),
}
# Availability: a weekday (mon..sun) and a part of the day.
DAY_PARTS = {"am": (6, 12), "pm": (12, 18), "eve": (18, 24), "night": (0, 6)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AVAILABILITY = [f"{d}-{p}" for d in WEEKDAYS for p in DAY_PARTS]
_WEEKDAY_LABELS = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))
_PART_LABELS = {
    "am": gettext_lazy("上午"),
    "pm": gettext_lazy("下午"),
    "eve": gettext_lazy("晚上"),
    "night": gettext_lazy("夜间"),
}
AVAILABILITY_LABELS = [(f"{d}-{p}", f"周{_WEEKDAY_LABELS[d]}", _PART_LABELS[p]) for d in WEEKDAYS for p in DAY_PARTS]
CERTIFICATE_THRESHOLDS = getattr(settings, "GONGZHI_CERTIFICATE_THRESHOLDS", (10, 50, 100, 200, 500))
# At most 8 hours a day, at least 4 hours' rest between two shifts of one volunteer (a morning and an
# evening shift, not two in a row).
ROSTER_RULES = rostering.Rules(
    max_hours_per_day=getattr(settings, "GONGZHI_ROSTER_MAX_HOURS_PER_DAY", 8.0),
    min_rest_hours=getattr(settings, "GONGZHI_ROSTER_MIN_REST_HOURS", 4.0),
)
CHECKIN_EARLY = dt.timedelta(minutes=30)  # a volunteer may check in this long before the shift
CHECKOUT_LATE = dt.timedelta(hours=2)  # and check out this long after it
