"""Zones put in force and released, and their notices: read on the household page or told in person."""

import datetime as dt

from django.contrib.auth import get_user_model

from gongzhi.core import roles
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.play.base import BUILDING_ORDER, DrillBase, _address
from gongzhi.demo.drill.scenario import hours, minutes
from gongzhi.notices import services as notice_services
from gongzhi.notices.models import Notice, NoticeReceipt
from gongzhi.places.models import Building, Household
from gongzhi.zones import services as zone_services
from gongzhi.zones.models import Zone


class ZoneSteps(DrillBase):
    """The steps of the zones and their notices."""

    # ------------------------------------------------------------------ zones and their notices

    def _new_proposals(self) -> None:
        fresh = list(Zone.objects.filter(pk__gt=self.last_zone))
        # the rules write a batch's proposals in the order the database returned the tubes' places:
        # taken here by what they cover, so both databases draw the same delays for the same zone
        for zone in sorted(fresh, key=lambda z: (z.community_code, z.kind, z.level, z.area_name)):
            self.last_zone = max(self.last_zone, zone.pk)
            key = _zone_key(zone)
            self.zone_kind[key] = zone.kind
            self.zone_proposed.setdefault(key, self.clock.now)
            self.zone_first_positive.setdefault(key, self.clock.now)
            span = self.a.confirm_prevention_minutes if zone.kind == "prevention" else self.a.confirm_minutes
            self.at(self.clock.now + minutes(self.rng, span), self._confirm, zone.pk)

    def _decider(self, zone: Zone):
        code = zone.community_code
        return (
            self._user(roles.STREET_STAFF, code[:9]) if len(code) >= 9 else self._user(roles.DISTRICT_STAFF, code[:6])
        )

    def _confirm(self, zone_pk: int) -> None:
        zone = Zone.objects.select_related("building", "grid").get(pk=zone_pk)
        if zone.status != "proposed":
            return
        self._settle(zone)
        with self.timed("zone put in force (with its notices)"):
            zone = zone_services.zone_confirm(actor=self._decider(zone), zone=zone)
        key = _zone_key(zone)
        self.zone_in_force[key] = self.clock.now
        if zone.kind == "prevention":
            return
        if zone.kind == "lockdown" and zone.building is not None:
            buildings = [zone.building]
        else:
            buildings = list(Building.objects.filter(grid=zone.grid).order_by(*BUILDING_ORDER))
        notices = {
            n.building_id: n for n in Notice.objects.filter(building__in=buildings, created_at__gte=self.clock.now)
        }
        told: list[int] = []
        for building in buildings:
            notice = notices.get(building.pk)
            households = list(Household.objects.filter(building=building).order_by("unit", "room"))
            told.extend(h.pk for h in households)
            if notice is None or not households:
                continue
            for household in households:
                if self.rng.random() < self.a.read_share:
                    delay = dt.timedelta(minutes=self.rng.expovariate(1 / self.a.read_mean_minutes))
                    self.at(self.clock.now + delay, self._read, notice.pk, household.pk)
            teller = (
                self._user(roles.BUILDING_LEADER, building.community_code, building=building)
                if zone.kind == "lockdown"
                else self._user(roles.GRID_WORKER, building.community_code, grid=zone.grid)
            )
            self.at(self.clock.now + hours(self.rng, self.a.tell_hours), self._tell, notice.pk, teller.pk, building.pk)
        self.told_households[key] = told
        if zone.kind == "lockdown":
            self._sealed(buildings[0])

    def _read(self, notice_pk: int, household_pk: int) -> None:
        """The household opens the notice on its own page (the page records the read)."""
        code = self.door_codes.get(household_pk) or Household.objects.get(pk=household_pk).door_key
        self.door_codes[household_pk] = code
        notice = self.notice_ids.get(notice_pk) or Notice.objects.get(pk=notice_pk).public_id
        self.notice_ids[notice_pk] = notice
        with self.timed("notice opened on the household page"):
            answer = self.http.get(f"/h/{code}/notices/{notice}/", REMOTE_ADDR=_address(household_pk))
        if answer.status_code != 200:
            self.api_refused.append(f"notice {answer.status_code}")

    def _tell(self, notice_pk: int, user_pk: int, building_pk: int) -> None:
        notice = Notice.objects.get(pk=notice_pk)
        unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True, told_at__isnull=True)
        households = list(
            Household.objects.filter(pk__in=unread.values("household_id"), building_id=building_pk).select_related(
                "building"
            )
        )
        if not households:
            return
        actor = get_user_model().objects.get(pk=user_pk)
        for start in range(0, len(households), notice_services.TELL_MAX):
            with self.timed("told in person (leader, grid worker)", rows=len(households)):
                notice_services.receipts_tell(
                    actor=actor, notice=notice, households=households[start : start + notice_services.TELL_MAX]
                )

    # ------------------------------------------------------------------ zones' release

    def _release_check(self) -> None:
        """Each morning the staff look at every zone in force: released when its conditions hold."""
        for zone in Zone.objects.filter(status="active").select_related("building", "grid").order_by("pk"):
            self.release_checks += 1
            with self.timed("release conditions checked"):
                problems = zone_services.release_problems(zone)
            if problems:
                continue
            self._settle(zone)
            with self.timed("zone released (with its notices)"):
                zone_services.zone_release(actor=self._decider(zone), zone=zone)
            self.zone_released[_zone_key(zone)] = self.clock.now
        if (
            self.clock.now > scenario.START + dt.timedelta(days=1)
            and not Zone.objects.filter(status__in=["active", "proposed"]).exists()
        ):
            # the outbreak is over: one more day for the last deliveries and answers
            self.end = min(self.end, self.clock.now + dt.timedelta(days=1))


def _zone_key(zone: Zone) -> str:
    return f"{zone.kind}:{zone.level}:{zone.area_key}"
