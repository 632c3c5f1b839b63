"""Delivery runs: the packed and re-queued orders of a distribution point routed over the buildings for
the volunteers at hand (supplies.route_plan, PyVRP), confirmed at the door by scanning the household's
door code, or failed with a reason and re-queued for the next run at once.

The planner runs outside any transaction (its seconds hold no lock); the write then locks the orders
and checks that none moved meanwhile, else writes nothing (409, plan again).
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, measures, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.places.models import Household
from gongzhi.places.selectors import door_key_of
from gongzhi.supplies import flows, route_plan
from gongzhi.supplies.messages import SUPPLIES
from gongzhi.supplies.models import DeliveryRun, DeliveryStop, Order, SupplyPoint

# Capacity (kg) and walking or riding speed (metres a minute) of each kind of vehicle, as volunteers
# use them inside a compound; a run's capacity may be given lower.
VEHICLES: dict[str, tuple[int, float]] = {
    DeliveryRun.Vehicle.FOOT: (15, 70.0),
    DeliveryRun.Vehicle.CART: (60, 60.0),
    DeliveryRun.Vehicle.TRICYCLE: (150, 150.0),
    DeliveryRun.Vehicle.VAN: (500, 300.0),
}
PLAN_SECONDS = 20.0  # a community's 600 orders accepted, packed and routed within 30 s (docs/benchmarks.md)
HORIZON_MINUTES = 240
URGENT_WITHIN_MINUTES = 60
TO_ROUTE = (flows.PACKED, flows.REQUEUED)


@dataclass(frozen=True)
class CourierIn:
    user: Any
    vehicle: str
    capacity_kg: int | None = None


@dataclass
class RunsPlanned:
    runs: list[DeliveryRun] = field(default_factory=list)
    # Households left for the next run, each with why (no location, too heavy, no time).
    left: list[tuple[Household, str]] = field(default_factory=list)
    plan_status: str = ""
    # Urgent stops routed after the urgent deadline although their window opened before it.
    late_urgent: int = 0
    seconds: float = 0.0


def _courier_checked(point: SupplyPoint, courier: CourierIn) -> tuple[int, float]:
    if courier.vehicle not in VEHICLES:
        raise ApplicationError(_("请选择交通工具"), status=422)
    if not access.may_in_area(courier.user, roles.DELIVER, point.community_code):
        raise ApplicationError(_("%(name)s不是本社区的配送志愿者") % {"name": account_label(courier.user)}, status=422)
    capacity, speed = VEHICLES[courier.vehicle]
    if courier.capacity_kg is not None:
        if not 1 <= courier.capacity_kg <= capacity:
            raise ApplicationError(
                _("%(vehicle)s的载重须在1到%(max)s千克之间")
                % {"vehicle": DeliveryRun.Vehicle(courier.vehicle).label, "max": capacity},
                status=422,
            )
        capacity = courier.capacity_kg
    return capacity, speed


def courier_label(user: Any) -> str:
    """How a run names its volunteer: their name and login (a phone login masked, core.services)."""
    label = account_label(user)
    name = getattr(user, "first_name", "") or ""
    return f"{name}（{label}）" if name and name not in label else label


def _minutes(at: dt.datetime | None, start: dt.datetime) -> int:
    return 0 if at is None else max(0, int((at - start).total_seconds() // 60))


def runs_plan(
    *,
    actor: Any,
    point: SupplyPoint,
    couriers: Sequence[CourierIn],
    seconds: float = PLAN_SECONDS,
    iterations: int | None = None,
    seed: int = 0,
) -> RunsPlanned:
    """Route every packed or re-queued order of the point not yet on a run, over the couriers given.
    The community's staff plan (the orders' step out for delivery is theirs, ORDER_FLOW). `iterations`
    also bounds the search: with it, and `seconds` to spare, the same seed gives the same runs on any
    machine (the drill)."""
    levels = access.levels(actor, roles.MANAGE_SUPPLIES, point)
    if point.kind != SupplyPoint.Kind.DISTRIBUTION or "community" not in levels:
        raise ApplicationError(_("您不能为这个分发点排线"), status=403)
    if not couriers:
        raise ApplicationError(_("请至少选择一位配送志愿者"), status=422)
    if len({c.user.pk for c in couriers}) != len(couriers):
        raise ApplicationError(_("同一位志愿者只能选一次"), status=422)
    capacities = [_courier_checked(point, c) for c in couriers]
    if point.latitude is None or point.longitude is None:
        raise ApplicationError(_("分发点还没有位置，不能排线"), status=409)
    orders = list(
        Order.objects.filter(point=point, status__in=TO_ROUTE, run__isnull=True)
        .select_related("household__building")
        .order_by("id")
    )
    if not orders:
        raise ApplicationError(_("没有待配送的订单（已分拣或待重新配送）"), status=409)
    start = timezone.now()
    # Households in a zone whose supplies come to the door first (risk zones decide: core.measures)
    # go first, as urgent stops do.
    sealed = measures.buildings_under(measures.DOOR_DELIVERY, {o.community_code for o in orders})
    by_household: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        by_household[order.household_id].append(order)
    planned = RunsPlanned()
    stops: list[route_plan.Stop] = []
    households: dict[str, Household] = {}
    for own in by_household.values():
        household = own[0].household
        building = household.building
        if building.latitude is None or building.longitude is None:
            planned.left.append((household, _("楼栋没有位置")))
            continue
        x, y = route_plan.local_metres(building.latitude, building.longitude, point.latitude, point.longitude)
        window = _window(own, start)
        households[household.public_id] = household
        stops.append(
            route_plan.Stop(
                key=household.public_id,
                x=x,
                y=y,
                load=max(1, math.ceil(sum(o.kg for o in own))),
                window=window,
                urgent=any(o.urgent for o in own) or building.pk in sealed,
            )  # fmt: skip
        )
    vehicles = [
        route_plan.Vehicle(key=str(i), kind=c.vehicle, capacity=cap, metres_per_minute=speed)
        for i, (c, (cap, speed)) in enumerate(zip(couriers, capacities, strict=True))
    ]
    if stops:
        try:
            plan = route_plan.plan_runs(
                (0.0, 0.0), stops, vehicles, horizon_minutes=HORIZON_MINUTES,
                urgent_within_minutes=URGENT_WITHIN_MINUTES, seconds=seconds, iterations=iterations, seed=seed,
            )  # fmt: skip
        except route_plan.RoutePlanInputError as exc:
            raise ApplicationError(SUPPLIES.of(exc.problem), status=422) from None
        planned.plan_status, planned.seconds = plan.status, plan.seconds
        planned.late_urgent = len(plan.late_urgent)
        for left in plan.unassigned:
            planned.left.append((households[left.stop], SUPPLIES.of(left.reason)))
        _write(actor, point, couriers, vehicles, plan, by_household, households, orders, start, planned, sealed)
    return planned


def _window(own: list[Order], start: dt.datetime) -> tuple[int, int] | None:
    asked = [(o.window_start, o.window_end) for o in own if o.window_start and o.window_end]
    if not asked:
        return None
    early = max(_minutes(a, start) for a, _b in asked)
    late = min(_minutes(b, start) for _a, b in asked)
    if late > HORIZON_MINUTES or early >= late:
        return None  # beyond this run's horizon or contradictory: no window rather than no delivery
    return early, late


def _write(actor, point, couriers, vehicles, plan, by_household, households, orders, start, planned, sealed) -> None:
    with transaction.atomic():
        ids = [o.pk for o in orders]
        now_state = {
            pk: (status, run)
            for pk, status, run in Order.objects.select_for_update()
            .filter(pk__in=ids)
            .values_list("pk", "status", "run")
        }
        if any(now_state.get(o.pk) != (o.status, None) for o in orders):
            raise ApplicationError(_("排线期间有订单刚有变动，没有写入，请再排一次"), status=409)
        for route in plan.runs:
            if not route.visits:
                continue
            index = int(route.vehicle)
            courier, vehicle = couriers[index], vehicles[index]
            run = DeliveryRun(
                community_code=point.community_code, point=point, courier=courier.user,
                courier_name=courier_label(courier.user), vehicle=courier.vehicle, capacity_kg=vehicle.capacity,
                status=flows.PLANNED, distance_m=route.distance_metres, minutes=math.ceil(route.duration_seconds / 60),
                trips=route.trips, planned_at=start,
            )  # fmt: skip
            run.save()
            transitions.start(flow=flows.RUN_FLOW, row=run, actor=actor)
            stops = []
            for sequence, visit in enumerate(route.visits, start=1):
                household = households[visit.stop]
                own = by_household[household.pk]
                stops.append(
                    DeliveryStop(
                        run=run,
                        household=household,
                        community_code=household.community_code,
                        sequence=sequence,
                        arrival_minute=visit.arrival_second // 60,
                        trip=visit.trip + 1,
                        urgent=any(o.urgent for o in own),
                        sealed=household.building_id in sealed,
                        kg=sum(o.kg for o in own),
                    )  # fmt: skip
                )
            DeliveryStop.objects.bulk_create(stops)
            on_run = [o for stop in stops for o in by_household[stop.household_id]]
            for source in TO_ROUTE:
                moving = [o for o in on_run if o.status == source]
                Order.objects.filter(pk__in=[o.pk for o in moving], status=source).update(
                    status=flows.OUT, run=run, attempts=F("attempts") + 1, updated_at=timezone.now()
                )
                transitions.record_each(
                    flow=flows.ORDER_FLOW, source=source, target=flows.OUT, rows=moving, actor=actor,
                    detail={"run": run.public_id},
                )  # fmt: skip
            planned.runs.append(run)


def _stop_at_door(run: DeliveryRun, code: str) -> DeliveryStop:
    """The stop whose door code was scanned (H:<door key>): the proof the volunteer was at the door,
    which no page of the run shows."""
    key = door_key_of(code)
    stop = DeliveryStop.objects.select_for_update().filter(run=run, household__door_key=key).first() if key else None
    if stop is None:
        raise ApplicationError(_("这一户不在本趟配送中，请核对门牌码"), {"code": code[:40]}, status=404)
    return stop


def _stop_of(run: DeliveryRun, household: str) -> DeliveryStop:
    """The stop of a household named by its public id, as the route sheet lists it."""
    stop = DeliveryStop.objects.select_for_update().filter(run=run, household__public_id=household[:26]).first()
    if stop is None:
        raise ApplicationError(_("这一户不在本趟配送中"), {"household": household[:26]}, status=404)
    return stop


def _owner(actor: Any, run: DeliveryRun) -> None:
    if getattr(actor, "pk", None) != run.courier_id:
        raise ApplicationError(_("只有本趟配送的志愿者可以确认"), status=403)


@dataclass(frozen=True)
class DoorResult:
    stop: DeliveryStop
    already: bool  # recorded before: nothing written now
    run_done: bool


def stop_confirm(*, actor: Any, run: DeliveryRun, code: str) -> DoorResult:
    """The volunteer at the door scanned the household's code: its orders on this run are delivered.
    A second scan of the same door writes nothing and says when it was confirmed."""
    _owner(actor, run)
    with transaction.atomic():
        stop = _stop_at_door(run, code)
        if stop.outcome == DeliveryStop.Outcome.DELIVERED:
            return DoorResult(stop, already=True, run_done=_done(run))
        if stop.outcome == DeliveryStop.Outcome.FAILED:
            raise ApplicationError(_("这一户已记为未送达并重新排队，不能再确认送达"), status=409)
        return _record(actor, run, stop, DeliveryStop.Outcome.DELIVERED, "")


def stop_fail(*, actor: Any, run: DeliveryRun, reason: str, household: str = "", code: str = "") -> DoorResult:
    """Nobody home, refused, wrong address, no access: the orders fail and go back to the queue for the
    next run (by the platform, at once). The stop is named by its household's public id (the route
    sheet's line) or by the door code scanned."""
    _owner(actor, run)
    if reason not in DeliveryStop.Failure.values:
        raise ApplicationError(_("请选择未送达原因"), status=422)
    with transaction.atomic():
        stop = _stop_at_door(run, code) if code else _stop_of(run, household)
        if stop.outcome != DeliveryStop.Outcome.PENDING:
            if stop.outcome == DeliveryStop.Outcome.FAILED and stop.failure == reason:
                return DoorResult(stop, already=True, run_done=_done(run))
            raise ApplicationError(
                _("这一户的结果已经记录：%(outcome)s") % {"outcome": stop.get_outcome_display()}, status=409
            )
        return _record(actor, run, stop, DeliveryStop.Outcome.FAILED, reason)


def _done(run: DeliveryRun) -> bool:
    return DeliveryRun.objects.filter(pk=run.pk, status=flows.DONE).exists()


def _record(actor: Any, run: DeliveryRun, stop: DeliveryStop, outcome: str, reason: str) -> DoorResult:
    now = timezone.now()
    # The run's row is the lock of its doorsteps: two scans on one run are recorded one after the other.
    current = DeliveryRun.objects.select_for_update().values_list("status", flat=True).get(pk=run.pk)
    if current == flows.PLANNED:
        run = transitions.transition(
            flow=flows.RUN_FLOW, row=run, to=flows.ON_ROUTE, actor=actor, owner_id=run.courier_id
        )
    stop.outcome, stop.failure, stop.confirmed_at = outcome, reason, now
    stop.save(update_fields=["outcome", "failure", "confirmed_at"])
    orders = list(Order.objects.select_for_update().filter(run=run, household_id=stop.household_id, status=flows.OUT))
    for order in orders:
        if outcome == DeliveryStop.Outcome.DELIVERED:
            transitions.transition(
                flow=flows.ORDER_FLOW, row=order, to=flows.DELIVERED, actor=actor, owner_id=run.courier_id,
                also={"delivered_at": now}, detail={"run": run.public_id},
            )  # fmt: skip
        else:
            failed = transitions.transition(
                flow=flows.ORDER_FLOW, row=order, to=flows.FAILED, actor=actor, owner_id=run.courier_id,
                also={"failure_reason": reason}, reason=str(DeliveryStop.Failure(reason).label),
                detail={"run": run.public_id},
            )  # fmt: skip
            transitions.transition(
                flow=flows.ORDER_FLOW, row=failed, to=flows.REQUEUED, actor=None, system=True,
                also={"run": None}, reason=_("自动重新排队"),
            )  # fmt: skip
    done = not DeliveryStop.objects.filter(run=run, outcome=DeliveryStop.Outcome.PENDING).exists()
    if done:
        transitions.transition(flow=flows.RUN_FLOW, row=run, to=flows.DONE, actor=None, system=True)
    return DoorResult(stop, already=False, run_done=done)
