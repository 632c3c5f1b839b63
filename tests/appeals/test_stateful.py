"""Requests driven through random valid and invalid steps (a hypothesis state machine), every one
accounted for: submitted through a door code or by staff (duplicates merged), 12345 orders that
matched no household, taken, assigned, resolved, answered (solved with a rating, or not solved),
swept up the levels by a moving clock, placed on a household, each by someone who may or may not.
After every step: every request made is in the database once and none is gone; each is in one state
of APPEAL_FLOW, the one the model expects, at the level and with the handler it expects; a closed one
has its rating; a merged one points at a request of the same household and category; nothing left an
open state except by resolve and the answer; each has one event per move. A step that should be
refused raises ApplicationError and changes nothing.

Each example starts with a batch of requests (INITIAL_BATCH, half of them hotline orders waiting to be
placed: a submission through the services costs five times as much), so over the run at least
TOTAL_REQUESTS requests are made and followed. The examples run inside a savepoint each, rolled back
after; timezone.now reads the machine's clock while it runs."""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from gongzhi.appeals import flows, services, sla
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, WorkflowEvent
from gongzhi.places.models import Household
from tests.appeals.factories import DISTRICT, STREET, STREET_QUEUE
from tests.factories import BuildingFactory, GridFactory, make_user_with_role

pytestmark = pytest.mark.django_db

TOTAL_REQUESTS = 10_000
EXAMPLES = 20
STEPS = 20
INITIAL_BATCH = -(-TOTAL_REQUESTS // EXAMPLES)  # the examples' first batches alone reach the total
UNPLACED_SHARE = 0.5  # of the requests coming in, hotline orders whose address matched no household

ACTORS = ("worker", "grid", "leader", "street", "district", "outsider")
PLACERS = ("street", "district", "grid", "leader", "outsider")  # see test_hotline's placing test
TEXTS = ("家里没有米了", "降压药吃完了", "老人胸痛喘不上气", "心里很焦虑睡不着", "楼道灯坏了请修", "孕妇要去产检")
BAD_TEXTS = ("", "   ", "米", "米" * 1001)
GOOD_RATINGS = (1, 2, 3, 4, 5, "1", "5", " 4")
BAD_RATINGS = (None, 0, 6, -1, "", "abc", "4.5", "五")
FEEDBACK = ("", "x", "还缺油", "只送了米没有油")
RESOLUTIONS = ("", "好", "已送米一袋", "已联系社区医生上门")
CLOCK_STEPS = (0, 1, 29, 31, 119, 121, 360, 1439, 1441, 3000)  # minutes
FIELDS = [f.attname for f in Appeal._meta.concrete_fields]
START = dt.datetime(2022, 9, 5, 0, 0, tzinfo=dt.UTC)
CLOCK: list[dt.datetime | None] = [None]  # the machine's clock, read by timezone.now while it runs


@dataclass
class World:
    households: list[Household]
    place: dict[int, tuple[str, int, int]]  # household id -> (community code, grid id, building id)
    users: dict[str, object]
    code_a: str
    code_b: str
    grid_id: int
    building_id: int
    routed: dict[int, str]  # household id -> the grid worker its new requests are routed to


@dataclass
class Rec:
    """What the model expects of one request."""

    pk: int
    public_id: str
    household_id: int | None
    category: str
    status: str
    level: str
    merged_into: int | None
    assignee: str | None
    moves: int  # steps of APPEAL_FLOW it took, its creation included: one event each

    @property
    def open(self) -> bool:
        return self.status in flows.OPEN_STATES


class RequestMachine(RuleBasedStateMachine):
    world: World
    made_total = 0  # requests made over the whole run

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        assert not Appeal.objects.exists()
        CLOCK[0] = START
        self.recs: dict[int, Rec] = {}
        self.by_pair: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.refs = 0
        self.last_event = WorkflowEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def teardown(self):
        CLOCK[0] = None
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # The oracle: who may do what, from the roles' definitions (not from core.access)

    def _place_of(self, rec: Rec) -> tuple[str, int | None, int | None]:
        if rec.household_id is None:
            return (STREET_QUEUE, None, None)
        return self.world.place[rec.household_id]

    def _handles(self, actor: str, place: tuple) -> bool:
        code, grid, _building = place
        w = self.world
        return {
            "worker": code.startswith(w.code_a), "grid": grid == w.grid_id, "leader": False,
            "street": code.startswith(STREET), "district": code.startswith(DISTRICT),
            "outsider": code.startswith(w.code_b),
        }[actor]  # fmt: skip

    def _enters(self, actor: str, household: Household) -> bool:
        code, grid, building = self.world.place[household.pk]
        w = self.world
        return {
            "worker": code.startswith(w.code_a), "grid": grid == w.grid_id, "leader": building == w.building_id,
            "street": code.startswith(STREET), "district": False, "outsider": code.startswith(w.code_b),
        }[actor]  # fmt: skip

    def _imports(self, actor: str, code: str) -> bool:
        w = self.world
        return {
            "worker": code.startswith(w.code_a), "grid": False, "leader": False,
            "street": code.startswith(STREET), "district": code.startswith(DISTRICT),
            "outsider": code.startswith(w.code_b),
        }[actor]  # fmt: skip

    # Helpers

    def _user(self, actor: str | None):
        return None if actor is None else self.world.users[actor]

    def _row(self, rec: Rec) -> Appeal:
        return Appeal.objects.select_related("household__building").get(pk=rec.pk)

    def _pick(self, index: int, where=None) -> Rec | None:
        recs = [r for r in self.recs.values() if where is None or where(r)]
        return sorted(recs, key=lambda r: r.pk)[index % len(recs)] if recs else None

    def _snapshot(self, rec: Rec | None = None):
        rows = Appeal.objects.order_by("pk")
        if rec is not None:
            rows = rows.filter(pk=rec.pk)
        counts = (Appeal.objects.count(), WorkflowEvent.objects.count(), AuditEvent.objects.count())
        return counts, list(rows.values_list(*FIELDS))

    def _refused(self, call, rec: Rec | None = None) -> None:
        """An invalid step: ApplicationError, and nothing changed (everything, or the row and the counts)."""
        before = self._snapshot(rec)
        with pytest.raises(ApplicationError):
            call()
        assert self._snapshot(rec) == before

    def _open_for(self, household_id: int, category: str) -> Rec | None:
        candidates = [self.recs[pk] for pk in self.by_pair[(household_id, category)] if self.recs[pk].open]
        return min(candidates, key=lambda r: r.pk) if candidates else None

    def _add(self, appeal: Appeal, *, status: str, level: str, merged_into: int | None) -> Rec:
        # A new request is routed to its grid's worker (services.requests.grid_worker_of).
        routed = self.world.routed.get(appeal.household_id) if status == flows.PENDING else None
        rec = Rec(
            appeal.pk, appeal.public_id, appeal.household_id, appeal.category, status, level, merged_into, routed, 1
        )
        assert rec.pk not in self.recs
        self.recs[rec.pk] = rec
        if rec.household_id is not None and status != flows.MERGED:
            self.by_pair[(rec.household_id, rec.category)].append(rec.pk)
        RequestMachine.made_total += 1
        return rec

    def _submit(self, household: Household, category: str, text: str, actor: str | None) -> None:
        """One submission, expected to be valid: checked against the model, recorded in it."""
        open_one = self._open_for(household.pk, category)
        appeal = services.appeal_submit(
            household=household, category=category, text=text, actor=self._user(actor),
            channel="household" if actor is None else "staff",
        )  # fmt: skip
        if open_one is None:
            assert (appeal.status, appeal.merged_into_id, appeal.level) == (flows.PENDING, None, "grid")
            self._add(appeal, status=flows.PENDING, level="grid", merged_into=None)
        else:
            assert (appeal.status, appeal.merged_into_id) == (flows.MERGED, open_one.pk)
            self._add(appeal, status=flows.MERGED, level=open_one.level, merged_into=open_one.pk)

    def _unplaced(self) -> None:
        self.refs += 1
        appeal = services.appeal_unplaced(
            actor=self._user("street"), area_code=STREET_QUEUE, category="medicine", text="有老人断药了",
            caller_name="王五", caller_phone="13800000000", address_text="锦江区某小区",
            received_at=timezone.now(), hotline_ref=f"GD{self.refs:06d}",
        )  # fmt: skip
        assert (appeal.status, appeal.level, appeal.household_id) == (flows.UNPLACED, "street", None)
        self._add(appeal, status=flows.UNPLACED, level="street", merged_into=None)

    def _many(self, seed: int, count: int) -> None:
        """Requests coming in: through door codes, by staff and (UNPLACED_SHARE) hotline orders that
        matched no household."""
        chance = random.Random(seed)
        households = self.world.households
        for _ in range(count):
            if chance.random() < UNPLACED_SHARE:
                self._unplaced()
                continue
            household = chance.choice(households)
            actor = chance.choice([None, None, None, *ACTORS])
            if actor is not None and not self._enters(actor, household):
                actor = None
            self._submit(household, chance.choice(Category.values), chance.choice(TEXTS), actor)

    # Rules

    @initialize(seed=st.integers(0, 2**32 - 1))
    def first_batch(self, seed):
        self._many(seed, INITIAL_BATCH)

    @rule(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 60))
    def batch(self, seed, count):
        self._many(seed, count)

    @rule(
        index=st.integers(0, 10_000),
        category=st.sampled_from(Category.values),
        text=st.sampled_from(TEXTS),
        via=st.sampled_from([None, *ACTORS]),
    )
    def submit(self, index, category, text, via):
        household = self.world.households[index % len(self.world.households)]
        if via is None or self._enters(via, household):
            self._submit(household, category, text, via)
        else:
            self._refused(lambda: services.appeal_submit(
                household=household, category=category, text=text, actor=self._user(via), channel="staff"
            ))  # fmt: skip

    @rule(index=st.integers(0, 10_000))
    def duplicate(self, index):
        rec = self._pick(index, lambda r: r.open and r.household_id is not None)
        if rec is not None:
            household = Household.objects.select_related("building").get(pk=rec.household_id)
            self._submit(household, rec.category, "同样的事情又说一遍", None)

    @rule(
        index=st.integers(0, 10_000),
        category=st.sampled_from([*Category.values, "rocket", ""]),
        text=st.sampled_from([*BAD_TEXTS, "家里没有米了"]),
        phone=st.sampled_from(["", "abc", "13812345678"]),
    )
    def submit_bad(self, index, category, text, phone):
        if category in Category.values and len(clean_text(text)) >= 2 and phone != "abc":
            return  # a valid one: the other rules make those
        household = self.world.households[index % len(self.world.households)]
        self._refused(lambda: services.appeal_submit(
            household=household, category=category, text=text, caller_phone=phone
        ))  # fmt: skip

    @rule(count=st.integers(1, 3))
    def hotline_unplaced(self, count):
        for _ in range(count):
            self._unplaced()

    def _take(self, rec: Rec, actor: str) -> None:
        if rec.status == flows.PENDING and self._handles(actor, self._place_of(rec)):
            services.appeal_take(actor=self._user(actor), appeal=self._row(rec))
            rec.status, rec.assignee, rec.moves = flows.IN_PROGRESS, actor, rec.moves + 1
        else:
            self._refused(lambda: services.appeal_take(actor=self._user(actor), appeal=self._row(rec)), rec)

    def _resolve(self, rec: Rec, actor: str, resolution: str) -> None:
        valid = len(resolution) >= 2 and rec.status in (flows.PENDING, flows.IN_PROGRESS)
        call = lambda: services.appeal_resolve(actor=self._user(actor), appeal=self._row(rec), resolution=resolution)  # noqa: E731
        if valid and self._handles(actor, self._place_of(rec)):
            call()
            rec.status, rec.moves = flows.RESOLVED, rec.moves + 1
        else:
            self._refused(call, rec)

    def _answer(self, rec: Rec, via: str | None, solved: bool, rating, feedback: str) -> None:
        def call():
            return services.appeal_answer(
                appeal=self._row(rec), solved=solved, rating=rating, feedback=feedback, actor=self._user(via)
            )

        allowed = via is None or self._handles(via, self._place_of(rec))
        if solved:
            valid = rating in GOOD_RATINGS
        else:
            valid = len(feedback) >= 2
        if allowed and valid and rec.status == flows.RESOLVED:
            answered = call()
            rec.status, rec.moves = (flows.CLOSED if solved else flows.IN_PROGRESS), rec.moves + 1
            if solved:
                assert answered.rating == int(rating)
        else:
            self._refused(call, rec)

    @rule(index=st.integers(0, 10_000), actor=st.sampled_from(ACTORS))
    def take(self, index, actor):
        rec = self._pick(index)
        if rec is not None:
            self._take(rec, actor)

    @rule(index=st.integers(0, 10_000), actor=st.sampled_from(ACTORS), resolution=st.sampled_from(RESOLUTIONS))
    def resolve(self, index, actor, resolution):
        rec = self._pick(index, lambda r: r.status in (flows.PENDING, flows.IN_PROGRESS)) or self._pick(index)
        if rec is not None:
            self._resolve(rec, actor, resolution)

    @rule(
        index=st.integers(0, 10_000),
        via=st.sampled_from([None, *ACTORS]),
        solved=st.booleans(),
        rating=st.sampled_from([*GOOD_RATINGS, *BAD_RATINGS]),
        feedback=st.sampled_from(FEEDBACK),
    )
    def answer(self, index, via, solved, rating, feedback):
        rec = self._pick(index, lambda r: r.status == flows.RESOLVED) or self._pick(index)
        if rec is not None:
            self._answer(rec, via, solved, rating, feedback)

    @rule(
        indexes=st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
        actor=st.sampled_from(ACTORS),
        assignee=st.sampled_from(ACTORS),
    )
    def assign(self, indexes, actor, assignee):
        recs = list({r.pk: r for r in (self._pick(i) for i in indexes) if r is not None}.values())
        if not recs:
            return
        before = {rec.pk: self._snapshot(rec)[1] for rec in recs}
        expected = set()
        for rec in recs:
            place = self._place_of(rec)
            if not self._handles(assignee, place) or not self._handles(actor, place):
                continue
            if rec.status in (flows.PENDING, flows.IN_PROGRESS):
                expected.add(rec.pk)
        outcome = services.appeals_assign(
            actor=self._user(actor), appeals=[self._row(rec) for rec in recs], assignee=self._user(assignee)
        )
        assert {a.pk for a in outcome.assigned} == expected
        assert {a.pk for a, _reason in outcome.refused} == {rec.pk for rec in recs} - expected
        assert all(reason for _a, reason in outcome.refused)
        for rec in recs:
            if rec.pk in expected:
                if rec.status == flows.PENDING:
                    rec.status, rec.moves = flows.IN_PROGRESS, rec.moves + 1
                rec.assignee = assignee
            else:
                assert self._snapshot(rec)[1] == before[rec.pk]

    @rule(minutes=st.sampled_from(CLOCK_STEPS), batch=st.sampled_from([7, 10_000]))
    def sweep(self, minutes, batch):
        CLOCK[0] += dt.timedelta(minutes=minutes)
        now = CLOCK[0]
        lapsing = [r for r in self.recs.values() if r.status in flows.LAPSING_STATES and r.level != "district"]
        due = dict(Appeal.objects.filter(pk__in=[r.pk for r in lapsing]).values_list("pk", "due_at"))
        expected = [r for r in lapsing if due[r.pk] <= now]
        assert services.appeals_escalate_due(now=now, batch=batch) == len(expected)
        moved = {a.pk: a for a in Appeal.objects.filter(pk__in=[r.pk for r in expected])}
        for rec in expected:
            upper = sla.next_level(rec.level)
            row = moved[rec.pk]
            assert (row.status, row.level, row.level_since, row.assignee_id) == (flows.PENDING, upper, now, None)
            assert row.due_at == now + dt.timedelta(minutes=services.sla_minutes()[row.urgency])
            rec.status, rec.level, rec.assignee, rec.moves = flows.PENDING, upper, None, rec.moves + 1
        # the same moment again: nothing more
        assert services.appeals_escalate_due(now=now, batch=batch) == 0

    def _place(self, rec: Rec, actor: str, to: int) -> None:
        households = self.world.households
        if actor == "outsider":  # only on a household not theirs (see test_hotline's placing test)
            households = [h for h in households if not self.world.place[h.pk][0].startswith(self.world.code_b)]
        household = households[to % len(households)]

        def call():
            return services.appeal_place(actor=self._user(actor), appeal=self._row(rec), household=household)

        target = self.world.place[household.pk][0]
        if rec.status == flows.UNPLACED and self._imports(actor, target) and self._imports(actor, STREET_QUEUE):
            placed = call()
            assert (placed.household_id, placed.community_code, placed.level) == (household.pk, target, "grid")
            rec.household_id, rec.status, rec.level, rec.moves = household.pk, flows.PENDING, "grid", rec.moves + 1
            rec.assignee = self.world.routed.get(household.pk)
            self.by_pair[(household.pk, rec.category)].append(rec.pk)
        else:
            self._refused(call, rec)

    @rule(
        index=st.integers(0, 10_000),
        to=st.integers(0, 10_000),
        actor=st.sampled_from(PLACERS),
        unplaced_only=st.booleans(),
    )
    def place(self, index, to, actor, unplaced_only):
        rec = self._pick(index, (lambda r: r.status == flows.UNPLACED) if unplaced_only else None)
        if rec is not None:
            self._place(rec, actor, to)

    @rule(seed=st.integers(0, 2**32 - 1))
    def work_a_batch(self, seed):
        """A morning's work: forty requests, each placed, taken, resolved or answered by someone
        (mostly the ones still waiting for it)."""
        chance = random.Random(seed)
        ordered = sorted(self.recs.values(), key=lambda r: r.pk)
        waiting = [r for r in ordered if r.status in (*flows.OPEN_STATES, flows.RESOLVED)]
        for _ in range(40):
            rec = chance.choice(waiting if waiting and chance.random() < 0.8 else ordered)
            if rec.status == flows.UNPLACED and chance.random() < 0.8:
                self._place(rec, chance.choice(PLACERS), chance.randrange(10_000))
                continue
            step = {flows.PENDING: "take", flows.IN_PROGRESS: "resolve", flows.RESOLVED: "answer"}.get(rec.status)
            if step is None or chance.random() < 0.3:
                step = chance.choice(("take", "resolve", "answer", "place"))
            if step == "take":
                self._take(rec, chance.choice(ACTORS))
            elif step == "resolve":
                self._resolve(rec, chance.choice(ACTORS), chance.choice(RESOLUTIONS))
            elif step == "answer":
                self._answer(
                    rec, chance.choice([None, *ACTORS]), chance.random() < 0.7,
                    chance.choice([*GOOD_RATINGS, *BAD_RATINGS]), chance.choice(FEEDBACK),
                )  # fmt: skip
            else:
                self._place(rec, chance.choice(PLACERS), chance.randrange(10_000))

    # Invariants

    @invariant()
    def every_request_accounted_for(self):
        rows = list(
            Appeal.objects.values_list(
                "pk", "public_id", "status", "level", "household_id", "category", "merged_into_id", "rating",
                "assignee_id", "hotline_ref",
            )
        )  # fmt: skip
        assert len(rows) == len(self.recs)  # nothing deleted, nothing made behind the model's back
        assert {r[0] for r in rows} == set(self.recs)
        assert len({r[1] for r in rows}) == len(rows)
        refs = [r[9] for r in rows if r[9] is not None]
        assert len(set(refs)) == len(refs)
        by_pk = {r[0]: r for r in rows}
        users = {actor: user.pk for actor, user in self.world.users.items()}
        for pk, _public_id, status, level, household_id, category, merged_into, rating, assignee, _ref in rows:
            rec = self.recs[pk]
            assert status in flows.APPEAL_FLOW.states
            assert (status, level, household_id, merged_into) == (
                rec.status,
                rec.level,
                rec.household_id,
                rec.merged_into,
            ), rec
            assert (status == flows.MERGED) == (merged_into is not None)
            if status == flows.CLOSED:
                assert rating in (1, 2, 3, 4, 5)
            else:
                assert rating is None
            if merged_into is not None:
                target = by_pk[merged_into]
                assert (target[4], target[5]) == (household_id, category) and target[2] != flows.MERGED
            if status != flows.MERGED:  # a merged request's handler is the open one's
                assert assignee == (users[rec.assignee] if rec.assignee else None), rec

    @invariant()
    def one_event_per_move_and_no_silent_end(self):
        counts = Counter(WorkflowEvent.objects.filter(flow="appeal").values_list("row_key", flat=True))
        for rec in self.recs.values():
            assert counts[rec.public_id] >= rec.moves
            assert counts[rec.public_id] == rec.moves, rec  # not one more either
        fresh = WorkflowEvent.objects.filter(flow="appeal", id__gt=self.last_event).values_list(
            "id", "from_status", "to_status", "reason"
        )
        for event_id, source, target, reason in fresh:
            assert source not in (flows.CLOSED, flows.MERGED)  # the ends are ends
            if source in flows.OPEN_STATES and target not in flows.OPEN_STATES:
                assert target == flows.RESOLVED  # an open request leaves only by being resolved
            if target == flows.CLOSED:
                assert source == flows.RESOLVED  # and is closed only by the answer
            if reason == "sla_lapsed":
                assert target == flows.PENDING
            self.last_event = max(self.last_event, event_id)


@pytest.fixture
def world(community_a, community_b, monkeypatch):
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: CLOCK[0] or real_now())
    grid = GridFactory(community=community_a)
    other_grid = GridFactory(community=community_a)
    buildings = [BuildingFactory(grid=grid), BuildingFactory(grid=grid), BuildingFactory(grid=other_grid)]
    b_building = BuildingFactory(grid=GridFactory(community=community_b), address="崇德里2号")
    rooms = [(b, f"{floor}0{door}") for b in buildings for floor in range(1, 5) for door in range(1, 4)]
    rooms += [(b_building, f"{floor}01") for floor in range(1, 7)]
    Household.objects.bulk_create(
        Household(building=b, community_code=b.community_code, unit=1, room=room, address=f"{b.address}{b.name}{room}")
        for b, room in rooms
    )
    households = list(Household.objects.select_related("building").order_by("pk"))
    users = {
        "worker": make_user_with_role("worker_a", "community_worker", community_a.code),
        "grid": make_user_with_role("grid_a", "grid_worker", community_a.code, grid=grid),
        "leader": make_user_with_role("leader_a", "building_leader", community_a.code, building=buildings[0]),
        "street": make_user_with_role("street_a", "street_staff", STREET),
        "district": make_user_with_role("district_a", "district_staff", DISTRICT),
        "outsider": make_user_with_role("worker_b", "community_worker", community_b.code),
    }
    return World(
        households=households,
        place={h.pk: (h.community_code, h.building.grid_id, h.building_id) for h in households},
        users=users, code_a=community_a.code, code_b=community_b.code, grid_id=grid.pk, building_id=buildings[0].pk,
        routed={h.pk: "grid" for h in households if h.building.grid_id == grid.pk},
    )  # fmt: skip


def test_requests_through_random_steps_are_all_accounted_for(world):
    RequestMachine.world = world
    RequestMachine.made_total = 0
    run_state_machine_as_test(
        RequestMachine,
        settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    assert RequestMachine.made_total >= TOTAL_REQUESTS
    assert not Appeal.objects.exists()  # each example rolled back its own
