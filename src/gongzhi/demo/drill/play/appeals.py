"""Residents' requests: submitted through the door code, taken, resolved and answered by the staff of
their level, moved up by the escalation sweep."""

import datetime as dt
import random

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.services import requests as appeal_services
from gongzhi.appeals.services.escalation import appeals_escalate_due
from gongzhi.core import roles
from gongzhi.demo.drill.play.base import DrillBase
from gongzhi.demo.drill.scenario import hours, minutes


class AppealSteps(DrillBase):
    """The steps of the residents' requests."""

    # ------------------------------------------------------------------ requests

    def _request(self, household_pk: int, category: str, text: str) -> None:
        with self.timed("request submitted through the door code (API)"):
            made = self._api(household_pk, "appeals/households/{code}", {"category": category, "text": text})
        if made is None:
            return
        appeal = Appeal.objects.select_related("household__building__grid").get(public_id=made["public_id"])
        if appeal.merged_into_id is not None:
            return
        building = appeal.household.building if appeal.household else None
        grid = building.grid if building else None
        # by the grid's number, not its row id: ids depend on what the database held before (a
        # PostgreSQL sequence is not rewound when rows are deleted), and the same seed must give the
        # same report on any database
        grid_key = f"{appeal.community_code}-{grid.number if grid else ''}"
        slow = random.Random(f"{self.seed}-{grid_key}").random() < self.a.slow_grid_share
        delay = minutes(self.rng, self.a.take_slow_minutes if slow else self.a.take_minutes)
        if appeal.urgency == "critical":
            delay /= 3
        self.at(self.clock.now + delay, self._take, appeal.pk)

    def _staff_at(self, appeal: Appeal):
        code = appeal.community_code
        if appeal.level == "grid" and appeal.household and appeal.household.building.grid:
            return self._user(roles.GRID_WORKER, code, grid=appeal.household.building.grid)
        if appeal.level in ("grid", "community"):
            return self._user(roles.COMMUNITY_WORKER, code)
        if appeal.level == "street":
            return self._user(roles.STREET_STAFF, code[:9])
        return self._user(roles.DISTRICT_STAFF, code[:6])

    def _take(self, appeal_pk: int) -> None:
        appeal = Appeal.objects.select_related("household__building__grid").get(pk=appeal_pk)
        if appeal.status != "pending":
            return
        actor = self._staff_at(appeal)
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_take(actor=actor, appeal=appeal)
        span = self.a.resolve_minutes[appeal.urgency]
        self.at(self.clock.now + minutes(self.rng, span), self._resolve, appeal_pk, actor.pk)

    def _resolve(self, appeal_pk: int, actor_pk: int) -> None:
        """Resolved by whoever took it, unless it moved up meanwhile (the new level takes it anew)."""
        appeal = Appeal.objects.select_related("assignee").get(pk=appeal_pk)
        if appeal.status != "in_progress" or appeal.assignee_id != actor_pk:
            return
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_resolve(actor=appeal.assignee, appeal=appeal, resolution="已上门处理，问题已解决")
        self.at(self.clock.now + hours(self.rng, self.a.answer_hours), self._answer, appeal_pk)

    def _answer(self, appeal_pk: int) -> None:
        appeal = Appeal.objects.get(pk=appeal_pk)
        if appeal.status != "resolved":
            return
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_answer(appeal=appeal, solved=True, rating=5 if self.rng.random() < 0.7 else 4)

    def _sweep(self) -> None:
        with self.timed("escalation sweep (every 10 min)"):
            moved = appeals_escalate_due()
        if moved:
            now = self.clock.now
            for pk in (
                Appeal.objects.filter(status="pending", level_since=now).order_by("pk").values_list("pk", flat=True)
            ):
                self.at(now + minutes(self.rng, self.a.take_after_escalation_minutes), self._take, pk)
        self.at(self.clock.now + dt.timedelta(minutes=self.a.sweep_minutes), self._sweep)
