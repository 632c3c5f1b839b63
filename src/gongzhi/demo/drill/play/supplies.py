"""The sealed buildings' surge: the households' orders and requests through their door codes, the
community's delivery cycles over the volunteers on duty, the street's allocation."""

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.demo.drill.play.base import DrillBase, _address
from gongzhi.demo.drill.scenario import hours
from gongzhi.people.models import ResidentTag
from gongzhi.places.models import Building, Grid, Household
from gongzhi.supplies import services as supply_services
from gongzhi.supplies.models import DeliveryRun, DeliveryStop, Order
from gongzhi.volunteers.models import CheckIn
from gongzhi.zones.models import Zone

VULNERABLE = ("elderly_alone", "dialysis", "insulin", "bedridden", "pregnant", "disabled")
MEDICAL = {"dialysis": "腹膜透析液（2升×6）", "insulin": "胰岛素笔芯"}
REQUEST_OF_TAG = {
    "dialysis": ("chronic_care", "封控在家，明天要去医院做血液透析，需要安排车辆和通行"),
    "insulin": ("chronic_care", "家里胰岛素只够两天了，请帮忙代购"),
    "pregnant": ("pregnancy", "孕36周，需要按时产检"),
    "bedridden": ("elderly_care", "家中老人卧床，护工进不来，需要上门照护"),
    "elderly_alone": ("elderly_care", "独居老人，家里没有菜了，也不会手机下单"),
    "disabled": ("medicine", "需要代购常用药"),
}
OTHER_REQUESTS = (
    ("food", "楼栋封控，家里缺米和油"),
    ("psychological", "封控几天了，心里很焦虑，想找人聊聊"),
    ("medicine", "需要代购降压药"),
    ("other", "快递一直送不进来，请帮忙协调"),
)
# A community's runs are searched for so many iterations (about 1 s for 40 stops on this machine), not for
# a wall-clock time: a plan must not depend on how busy the machine is. The seconds only guard the drill.
ROUTE_ITERATIONS = 1000
ROUTE_SECONDS = 60


class SupplySteps(DrillBase):
    """The steps of the sealed buildings' surge."""

    # ------------------------------------------------------------------ the sealed buildings' surge

    def _sealed(self, building: Building) -> None:
        now = self.clock.now
        if building.pk in self.sealed_at:
            return
        self.sealed_at[building.pk] = now
        code = building.community_code
        for grid in Grid.objects.filter(community_code=code).order_by("number"):
            self._user(roles.GRID_WORKER, code, grid=grid)
        self._mobilise(code)
        if code not in self.cycling:
            self.cycling.add(code)
            self._next_cycle(code)
        tags: dict[int, set[str]] = defaultdict(set)
        for household, tag in ResidentTag.objects.filter(
            resident__household__building=building, tag__in=VULNERABLE
        ).values_list("resident__household_id", "tag"):
            tags[household].add(tag)
        for household in Household.objects.filter(building=building).order_by("unit", "room"):
            own = tags.get(household.pk, set())
            if own:
                self.vulnerable[household.pk] = now
                self.at(now + hours(self.rng, self.a.order_vulnerable_hours), self._order, household.pk, sorted(own))
                tag = sorted(own)[0]
                category, text = REQUEST_OF_TAG[tag]
                self.at(
                    now + hours(self.rng, self.a.request_vulnerable_hours), self._request, household.pk, category, text
                )
                continue
            if self.rng.random() < self.a.order_share:
                self.at(now + hours(self.rng, self.a.order_hours), self._order, household.pk, [])
            if self.rng.random() < self.a.request_share:
                category, text = self.rng.choice(OTHER_REQUESTS)
                self.at(now + hours(self.rng, self.a.request_hours), self._request, household.pk, category, text)

    def _order(self, household_pk: int, tags: list[str]) -> None:
        """The household orders on its own page: the public API behind its door code."""
        package = self.elderly if tags else self.vegetables
        lines = [{"kind": "package", "public_id": package.public_id, "quantity": 1}]
        lines += [
            {"kind": "item", "public_id": self.items[MEDICAL[t]].public_id, "quantity": 1} for t in tags if t in MEDICAL
        ]
        with self.timed("order placed through the door code (API)"):
            self._api(household_pk, "supplies/households/{code}/orders", {"lines": lines, "payment": "free"})

    def _api(self, household_pk: int, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """A POST to the public API from the household's own phone (its own address, so the limits per
        client count it alone). Anything but 201 is counted as refused."""
        code = self.door_codes.get(household_pk) or Household.objects.get(pk=household_pk).door_key
        self.door_codes[household_pk] = code
        answer = self.http.post(
            "/api/" + path.format(code=code),
            data=json.dumps(body),
            content_type="application/json",
            REMOTE_ADDR=_address(household_pk),
        )
        if answer.status_code != 201:
            self.api_refused.append(f"{path.split('/')[0]} {answer.status_code}")
            return None
        return answer.json()

    def _next_cycle(self, code: str) -> None:
        now = self.clock.now
        for day in range(0, 2):
            for hour in self.a.delivery_cycles:
                when = (now + dt.timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
                if when > now:
                    self.at(when, self._cycle, code)
                    return

    def _cycle(self, code: str) -> None:
        """The community's workers accept and pack what was ordered, and route it over the volunteers
        on duty; the volunteers deliver along their runs."""
        worker = self._user(roles.COMMUNITY_WORKER, code)
        point = self.points[code]
        with self.timed("orders accepted and packed"):
            for order in Order.objects.filter(point=point, status="placed").order_by("pk"):
                supply_services.order_accept(actor=worker, order=order)
            accepted = list(Order.objects.filter(point=point, status="accepted").order_by("pk"))
            if accepted:
                supply_services.orders_pack(actor=worker, orders=accepted)
        couriers = [
            c.volunteer.user
            for c in CheckIn.objects.filter(community_code=code, status="on_duty")
            .select_related("volunteer__user")
            .order_by("volunteer__id_number")
            if c.volunteer.user is not None
        ]
        if couriers:
            try:
                with self.timed("delivery runs planned (PyVRP)"):
                    planned = supply_services.runs_plan(
                        actor=worker,
                        point=point,
                        couriers=[supply_services.CourierIn(user=u, vehicle="tricycle") for u in couriers],
                        seconds=ROUTE_SECONDS,
                        iterations=ROUTE_ITERATIONS,
                        seed=self.seed,
                    )
            except ApplicationError:
                planned = None
            if planned is not None:
                stops = sorted(
                    DeliveryStop.objects.filter(run__in=planned.runs).select_related("household__building", "run"),
                    key=lambda s: (
                        s.household.building.number,
                        s.household.building.address,
                        s.household.unit,
                        s.household.room,
                    ),
                )
                for k, stop in enumerate(stops):
                    when = self.clock.now + dt.timedelta(minutes=30 + self.a.minutes_per_stop * (k // len(couriers)))
                    self.at(when, self._deliver, stop.run_id, stop.run.courier_id, stop.household_id)
        zones_in_force = Zone.objects.filter(status="active", kind="lockdown", community_code=code).exists()
        open_orders = Order.objects.filter(
            point=point, status__in=["placed", "accepted", "packed", "requeued"]
        ).exists()
        if zones_in_force or open_orders:
            self._next_cycle(code)
        else:
            self.cycling.discard(code)

    def _deliver(self, run_pk: int, courier_pk: int, household_pk: int) -> None:
        run = DeliveryRun.objects.get(pk=run_pk)
        household = Household.objects.get(pk=household_pk)
        with self.timed("doorstep confirmed (route sheet)"):
            supply_services.stop_confirm(
                actor=get_user_model().objects.get(pk=courier_pk), run=run, code=f"H:{household.door_key}"
            )
        self.delivered.setdefault(household_pk, self.clock.now)

    def _allocate(self) -> None:
        """Each morning a street with sealed buildings moves its reserve to its communities."""
        streets = sorted({c[:9] for c in Zone.objects.filter(status="active", kind="lockdown").values_list(
            "community_code", flat=True)})  # fmt: skip
        for street in streets:
            staff = self._user(roles.STREET_STAFF, street)
            try:
                with self.timed("allocation proposed and confirmed"):
                    plan = supply_services.allocation_propose(actor=staff, area_code=street)
                    supply_services.allocation_confirm(actor=staff, plan=plan)
            except ApplicationError:
                continue
