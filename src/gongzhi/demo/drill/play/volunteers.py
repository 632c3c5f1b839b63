"""Volunteers: the community's delivery post and its shifts, the street roster, check-in and check-out."""

import datetime as dt

from django.utils import timezone

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.demo.drill.play.base import DrillBase
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import Assignment, CheckIn
from gongzhi.zones.models import Zone

SHIFTS = ((8, 14), (14, 20))  # the delivery post's shifts (a volunteer serves at most 8 hours a day)
# the street roster's limit, a guard only: each roster is proven optimal well before it (the outbreak
# test asserts it; the slowest mobilisation of the scale-1 drill took 6.9 s in all); a tight limit
# would let a busy machine stop the optimiser early and get another roster
ROSTER_SECONDS = 60


class VolunteerSteps(DrillBase):
    """The steps of the volunteers."""

    # ------------------------------------------------------------------ volunteers

    def _mobilise(self, code: str) -> None:
        if code in self.mobilised:
            return
        self.mobilised.add(code)
        worker = self._user(roles.COMMUNITY_WORKER, code)
        today = timezone.localdate()
        with self.timed("volunteers mobilised (post, shifts, street roster)"):
            post = volunteer_services.post_create(
                actor=worker, community_code=code, name="物资配送到楼栋", group="transport"
            )
            self.posts[code] = post
            for day in range(self.a.days + 1):
                date = today + dt.timedelta(days=day)
                for start, end in SHIFTS:
                    volunteer_services.shift_create(
                        actor=worker,
                        post=post,
                        starts_at=timezone.make_aware(dt.datetime.combine(date, dt.time(start))),
                        ends_at=timezone.make_aware(dt.datetime.combine(date, dt.time(end))),
                        needed=self.a.couriers_per_shift,
                    )
        self._street_roster(code)
        self.at(self.clock.now + dt.timedelta(minutes=30), self._duty_start, code)

    def _street_roster(self, code: str) -> None:
        """一键动员: the street fills the open places of the coming week from its reservoir."""
        street = self._user(roles.STREET_STAFF, code[:9])
        with self.timed("volunteers mobilised (post, shifts, street roster)"):
            volunteer_services.street_mobilise(
                actor=street,
                street_code=code[:9],
                first_day=timezone.localdate(),
                days=7,
                time_limit=ROSTER_SECONDS,
            )

    def _duty_start(self, code: str) -> None:
        post = self.posts[code]
        now = self.clock.now
        if not any(start <= now.hour < end for start, end in SHIFTS):
            self.at(_next_shift_start(now), self._duty_start, code)
            return
        assigned = Assignment.objects.filter(
            shift__post=post, shift__starts_at__lte=now, shift__ends_at__gt=now
        ).select_related("volunteer")
        if not assigned.exists():  # the week mobilised before has run out
            self._street_roster(code)
        ends = now
        for assignment in sorted(assigned, key=lambda a: a.volunteer.id_number):
            ends = max(ends, assignment.shift.ends_at)
            try:
                with self.timed("volunteer check-in"):
                    volunteer_services.checkin(volunteer=assignment.volunteer, post=post)
            except ApplicationError:
                continue
        self.at(_next_shift_change(now), self._duty_end, code)

    def _duty_end(self, code: str) -> None:
        post = self.posts[code]
        worker = self._user(roles.COMMUNITY_WORKER, code)
        for record in (
            CheckIn.objects.filter(assignment__shift__post=post, status="on_duty")
            .select_related("volunteer")
            .order_by("volunteer__id_number")
        ):
            with self.timed("volunteer check-out and hours confirmed"):
                record = volunteer_services.checkout(volunteer=record.volunteer, post=post)
                volunteer_services.checkin_confirm(actor=worker, record=record)
        busy = Zone.objects.filter(status="active", kind="lockdown", community_code=code).exists()
        if busy or code in self.cycling:
            self.at(_next_shift_start(self.clock.now), self._duty_start, code)


def _next_shift_change(now: dt.datetime) -> dt.datetime:
    """The end of the shift on at `now` (or the next start when none is on)."""
    for start, end in SHIFTS:
        if now.hour < end:
            return now.replace(hour=end if now.hour >= start else start, minute=0, second=0, microsecond=0)
    return _next_shift_start(now)


def _next_shift_start(now: dt.datetime) -> dt.datetime:
    for start, _ in SHIFTS:
        if now.hour < start:
            return now.replace(hour=start, minute=0, second=0, microsecond=0)
    return (now + dt.timedelta(days=1)).replace(hour=SHIFTS[0][0], minute=0, second=0, microsecond=0)
