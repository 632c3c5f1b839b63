"""What is seen: the command view's recount, the hourly series, and the figures the run ends with (kpi)."""

import datetime as dt
import time
from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum

from gongzhi.appeals.models import Appeal
from gongzhi.command.services import figures_refresh
from gongzhi.core.models import WorkflowEvent
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.play.base import DrillBase
from gongzhi.notices.models import NoticeReceipt
from gongzhi.people.models import Resident
from gongzhi.places.models import Household
from gongzhi.supplies.models import Order
from gongzhi.testing.models import Recall, Round, Sample, Tube
from gongzhi.volunteers.models import CheckIn, HourEntry
from gongzhi.zones.models import Zone


class FigureSteps(DrillBase):
    """The steps that count what the drill saw."""

    # ------------------------------------------------------------------ what is seen

    def _refresh(self) -> None:
        with self.timed("command view recount"):
            figures_refresh()
        self.at(self.clock.now + dt.timedelta(hours=self.a.refresh_hours), self._refresh)

    def _snapshot(self) -> None:
        now = self.clock.now
        hour = (now - scenario.START).total_seconds() / 3600
        zones = dict(Zone.objects.filter(status="active").values_list("kind").annotate(n=Count("pk")))
        self.series["hour"].append(round(hour))
        for kind in ("lockdown", "control", "prevention"):
            self.series[kind].append(zones.get(kind, 0))
        self.series["requests_open"].append(
            Appeal.objects.filter(status__in=["unplaced", "pending", "in_progress"]).count()
        )
        self.series["orders_open"].append(
            Order.objects.filter(status__in=["placed", "accepted", "packed", "out", "requeued"]).count()
        )
        self.series["delivered"].append(len(self.delivered))
        self.series["positives"].append(len(self.positive_results))
        if now.hour == 0:
            self.say(
                f"day {round(hour / 24)} ({time.perf_counter() - self.started:,.0f} s): "
                f"{self.series['positives'][-1]} positive tubes, zones in force {zones}, "
                f"{self.series['requests_open'][-1]} requests and {self.series['orders_open'][-1]} orders open, "
                f"{len(self.delivered)} households delivered"
            )
        self.at(now + dt.timedelta(hours=1), self._snapshot)

    def _kpi(self) -> dict[str, Any]:
        pct = scenario.percentile
        kpi: dict[str, Any] = {"scale": self.scale, "seed": self.seed, "start": scenario.START.isoformat()}
        kpi["days"] = round((self.clock.now - scenario.START).total_seconds() / 86400, 1)
        kpi["communities"] = len(self.codes)
        kpi["residents"] = Resident.objects.filter(community_code__in=self.codes).count()
        kpi["households"] = Household.objects.filter(community_code__in=self.codes).count()
        kpi["infected_seeded"] = self.seeded
        kpi["infected_communities"] = len(self.infected_communities)
        kpi["secondary_cases"] = self.secondary
        kpi["cases_found"] = len(self.found)
        round_ = self.city_round
        sampled = Sample.objects.filter(round=round_).count()
        kpi["city_round"] = {
            "sampled": sampled,
            "tubes": Tube.objects.filter(round=round_).count(),
            "positive_tubes": Tube.objects.filter(round=round_, status="positive").count(),
            "coverage": round(sampled / max(1, kpi["residents"]), 4),
        }
        kpi["rounds"] = Round.objects.count()
        kpi["scans_refused"] = self.refused_scans
        kpi["api_refused"] = len(self.api_refused)
        kpi["positive_results"] = len(self.positive_results)
        kpi["recalls"] = Recall.objects.count()
        kpi["recall_notified_minutes_p50"] = _round(pct(self.recall_notify, 0.5))
        kpi["recall_to_case_found_hours_p50"] = _round(pct(self.found_hours, 0.5))
        zones: dict[str, Any] = {}
        for kind in ("lockdown", "control", "prevention"):
            keys = [k for k, v in self.zone_kind.items() if v == kind]
            in_force = [k for k in keys if k in self.zone_in_force]
            to_force = [(self.zone_in_force[k] - self.zone_first_positive[k]).total_seconds() / 60 for k in in_force]
            days = [
                (self.zone_released[k] - self.zone_in_force[k]).total_seconds() / 86400
                for k in in_force
                if k in self.zone_released
            ]
            zones[kind] = {
                "proposed": len(keys),
                "in_force": len(in_force),
                "released": sum(1 for k in in_force if k in self.zone_released),
                "positive_to_in_force_minutes_p50": _round(pct(to_force, 0.5)),
                "positive_to_in_force_minutes_p90": _round(pct(to_force, 0.9)),
                "days_in_force_p50": _round(pct(days, 0.5)),
            }
        kpi["zones"] = zones
        kpi["release_checks"] = self.release_checks
        kpi["notices"] = self._reach()
        kpi["supplies"] = self._supplies_kpi()
        kpi["requests"] = self._requests_kpi()
        hours_by = (
            HourEntry.objects.filter(community_code__in=self.codes)
            .values("community_code")
            .annotate(h=Sum("hours"))
            .order_by("community_code")
        )
        kpi["volunteer_hours"] = {r["community_code"]: float(r["h"]) for r in hours_by if r["h"]}
        kpi["volunteers_on_shift_days"] = CheckIn.objects.filter(community_code__in=self.codes).count()
        return kpi

    def _reach(self) -> dict[str, Any]:
        within = {2: 0, 12: 0, 24: 0}
        total = 0
        ninety: list[float] = []
        for key, households in sorted(self.told_households.items()):
            started = self.zone_in_force[key]
            times = sorted(
                ((r or t) - started).total_seconds() / 3600
                for r, t in NoticeReceipt.objects.filter(
                    household_id__in=households, notice__created_at=started
                ).values_list("read_at", "told_at")
                if r or t
            )
            total += len(households)
            for limit in within:
                within[limit] += sum(1 for t in times if t <= limit)
            if households and len(times) >= 0.9 * len(households):
                ninety.append(times[max(0, int(0.9 * len(households)) - 1)])
        return {
            "households": total,
            **{f"reached_within_{h}h": round(n / total, 4) if total else None for h, n in within.items()},
            "hours_to_90_percent_p50": _round(scenario.percentile(ninety, 0.5)),
        }

    def _supplies_kpi(self) -> dict[str, Any]:
        orders = Order.objects.filter(community_code__in=self.codes)
        by_status = dict(orders.values_list("status").annotate(n=Count("pk")))
        vulnerable = len(self.vulnerable)
        in_day = [
            h
            for h, sealed in self.vulnerable.items()
            if h in self.delivered and self.delivered[h] - sealed <= dt.timedelta(hours=24)
        ]
        waits = [
            (self.delivered[h] - s).total_seconds() / 3600 for h, s in self.vulnerable.items() if h in self.delivered
        ]
        return {
            "orders": sum(by_status.values()),
            "by_status": dict(sorted(by_status.items())),
            "sealed_buildings": len(self.sealed_at),
            "vulnerable_households_sealed": vulnerable,
            "vulnerable_delivered_within_24h": round(len(in_day) / vulnerable, 4) if vulnerable else None,
            "vulnerable_sealing_to_delivery_hours_p50": _round(scenario.percentile(waits, 0.5)),
        }

    def _requests_kpi(self) -> dict[str, Any]:
        appeals = Appeal.objects.filter(community_code__in=self.codes)
        lapsed: dict[str, int] = defaultdict(int)
        for detail in WorkflowEvent.objects.filter(flow="appeal", reason="sla_lapsed").values_list("detail", flat=True):
            lapsed[(detail or {}).get("from_level", "?")] += 1
        return {
            "submitted": appeals.count(),
            "merged": appeals.filter(status="merged").count(),
            "by_urgency": dict(sorted(appeals.values_list("urgency").annotate(n=Count("pk")))),
            "by_status": dict(sorted(appeals.values_list("status").annotate(n=Count("pk")))),
            "sla_breaches_by_level": {lvl: lapsed.get(lvl, 0) for lvl in ("grid", "community", "street")},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
