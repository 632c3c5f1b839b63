"""core.workflow.Flow: transition tables declared once per workflow, checked when declared.

Pure tests (no database): declaration errors, the table's queries on a small flow, properties over
random flows, and every flow the project declares against the model field it drives."""

import importlib
import pkgutil
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gongzhi
from gongzhi.appeals import flows as appeal_flows
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import WorkflowEvent
from gongzhi.core.workflow import OWNER, STAFF, START, SYSTEM, Flow, FlowError, Step
from gongzhi.notices import flows as notices_flows
from gongzhi.notices.models import Notice
from gongzhi.people import flows as people_flows
from gongzhi.people.models import RegisterImport
from gongzhi.supplies import flows as supplies_flows
from gongzhi.supplies.models import AllocationPlan, DeliveryRun, Order
from gongzhi.testing import flows as testing_flows
from gongzhi.testing.models import Recall, Round, Sample, Tube
from gongzhi.volunteers import flows as volunteer_flows
from gongzhi.volunteers.models import AidRequest, CheckIn, Volunteer
from gongzhi.zones import flows as zone_flows
from gongzhi.zones.models import Zone

# --- declaration errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([Step(START, "a"), Step("a", "nowhere")], "unknown state 'nowhere'"),
        ([Step("nowhere", "a")], "unknown state 'nowhere'"),
        ([Step(START, "a"), Step("a", "b"), Step("a", "b", capability="other.cap")], "'a' -> 'b' declared twice"),
        ([Step("a", START)], "cannot end before the start"),
        ([Step(START, START, by=SYSTEM)], "cannot end before the start"),
    ],
)
def test_a_wrong_declaration_raises_flow_error_naming_the_flow(steps, message):
    # given steps that name an unknown state, repeat a step, or lead back to START
    # when the flow is declared
    # then FlowError says what is wrong and in which flow
    with pytest.raises(FlowError, match=message) as info:
        Flow("small", states=("a", "b"), capability="small.work", steps=steps)
    assert str(info.value).startswith("small: ")


def test_a_staff_step_without_any_capability_is_refused():
    # given a flow without a capability of its own
    # when a staff step names none either
    # then the declaration fails
    with pytest.raises(FlowError, match=r"staff step 'a' -> 'b' needs a capability"):
        Flow("nocap", states=("a", "b"), steps=[Step(START, "a", by=OWNER), Step("a", "b")])


def test_owner_and_system_steps_need_no_capability_and_a_staff_step_may_bring_its_own():
    flow = Flow(
        "nocap",
        states=("a", "b", "c"),
        steps=[Step(START, "a", by=SYSTEM), Step("a", "b", by=OWNER), Step("b", "c", capability="own.cap")],
    )
    assert flow.capability is None
    assert [flow.capability_of(s) for s in flow.steps()] == [None, None, "own.cap"]


def test_flow_error_is_a_value_error():
    assert issubclass(FlowError, ValueError)


# --- a small declared flow -----------------------------------------------------------------------

SMALL_STATES = ("draft", "review", "published", "withdrawn", "archived")
SMALL_STEPS = [
    Step(START, "draft", by=OWNER),
    Step(START, "review", by=SYSTEM),
    Step("draft", "review", by=OWNER),
    Step("review", "published"),
    Step("review", "draft"),
    Step("published", "withdrawn", capability="small.withdraw", levels=frozenset({"street"})),
    Step("withdrawn", "review", by=OWNER),
    Step("review", "withdrawn"),
]
# The table above, written out by hand (what check_all must compare against).
SMALL_TABLE = {
    (START, "draft"),
    (START, "review"),
    ("draft", "review"),
    ("review", "published"),
    ("review", "draft"),
    ("published", "withdrawn"),
    ("withdrawn", "review"),
    ("review", "withdrawn"),
}


@pytest.fixture
def small():
    return Flow("small", states=SMALL_STATES, capability="small.work", steps=SMALL_STEPS)


def test_step_finds_the_declared_step_or_none(small):
    step = small.step("published", "withdrawn")
    assert step == Step("published", "withdrawn", by=STAFF, capability="small.withdraw", levels=frozenset({"street"}))
    assert small.step("draft", "review").by == OWNER
    assert small.step(START, "review").by == SYSTEM
    assert small.step("draft", "published") is None  # a state skipped
    assert small.step("review", "review") is None
    assert small.step("published", "review") is None  # a step is one-way
    assert small.step("archived", "draft") is None
    assert small.step("nowhere", "draft") is None


def test_capability_of_prefers_the_steps_own(small):
    assert small.capability_of(small.step("review", "published")) == "small.work"
    assert small.capability_of(small.step("published", "withdrawn")) == "small.withdraw"


def test_next_states_are_in_declared_order_and_filter_by_who(small):
    assert small.next_states("review") == ("published", "draft", "withdrawn")
    assert small.next_states("review", by=STAFF) == ("published", "draft", "withdrawn")
    assert small.next_states("review", by=OWNER) == ()
    assert small.next_states("draft") == ("review",)
    assert small.next_states("draft", by=STAFF) == ()
    assert small.next_states(START) == ("draft", "review")
    assert small.next_states(START, by=SYSTEM) == ("review",)
    assert small.next_states("archived") == ()
    assert small.next_states("nowhere") == ()


def test_sources_of_never_name_start(small):
    assert small.sources_of("review") == ("draft", "withdrawn")  # START -> review is a creation, not a move
    assert small.sources_of("withdrawn") == ("published", "review")
    assert small.sources_of("draft") == ("review",)
    assert small.sources_of("archived") == ()


def test_initial_and_terminal_states(small):
    assert small.initial_states() == ("draft", "review")
    # "archived" is declared but has no step out of it (nor into it)
    assert small.terminal_states() == ("archived",)


def test_steps_are_kept_in_declared_order(small):
    assert small.steps() == tuple(SMALL_STEPS)
    assert small.name == "small" and small.field == "status" and small.states == SMALL_STATES


def test_check_all_names_each_refused_move_once_sorted(small):
    moves = [
        ("review", "published"),
        ("published", "draft"),
        ("draft", "published"),
        ("published", "draft"),
        (START, "published"),
        ("draft", "review"),
    ]
    assert small.check_all(moves) == [(START, "published"), ("draft", "published"), ("published", "draft")]
    assert small.check_all([]) == []
    assert small.check_all(iter([("draft", "review")])) == []
    # a dict of moves (what the results service hands it) is checked by its keys
    assert small.check_all({("review", "draft"): [1], ("archived", "draft"): [2]}) == [("archived", "draft")]


_SMALL_MOVE = st.tuples(
    st.sampled_from((START, *SMALL_STATES, "nowhere")), st.sampled_from((START, *SMALL_STATES, "nowhere"))
)


@settings(max_examples=300, deadline=None)
@given(moves=st.lists(_SMALL_MOVE, max_size=30))
def test_check_all_returns_exactly_the_moves_not_declared(moves):
    small = Flow("small", states=SMALL_STATES, capability="small.work", steps=SMALL_STEPS)
    refused = small.check_all(moves)
    assert refused == sorted(set(moves) - SMALL_TABLE)
    assert len(refused) == len(set(refused))
    # the moves it approves are each one declared step
    for move in set(moves) - set(refused):
        assert small.step(*move) is not None


# --- properties over random flows ----------------------------------------------------------------

_NAMES = st.text(alphabet="abcdef", min_size=1, max_size=3)


@st.composite
def random_flows(draw):
    """Distinct states and distinct (source, target) pairs among them (sources may be START)."""
    states = draw(st.lists(_NAMES, min_size=1, max_size=6, unique=True))
    pairs = draw(
        st.lists(st.tuples(st.sampled_from((START, *states)), st.sampled_from(states)), unique=True, max_size=20)
    )
    return states, pairs


@settings(max_examples=200, deadline=None)
@given(random_flows())
def test_a_flows_queries_agree_with_its_table(declared):
    states, pairs = declared
    flow = Flow("random", states=states, capability="random.cap", steps=[Step(s, t) for s, t in pairs])
    assert [(s.source, s.target) for s in flow.steps()] == pairs
    for source in (START, *states):
        assert flow.next_states(source) == tuple(t for s, t in pairs if s == source)
        for target in states:
            assert (flow.step(source, target) is not None) == ((source, target) in pairs)
    for target in states:
        assert flow.sources_of(target) == tuple(s for s, t in pairs if t == target and s != START)
        for source in flow.sources_of(target):
            assert target in flow.next_states(source)
    assert flow.initial_states() == tuple(t for s, t in pairs if s == START)
    assert flow.terminal_states() == tuple(s for s in states if all(p[0] != s for p in pairs))


@settings(max_examples=100, deadline=None)
@given(random_flows(), st.data())
def test_any_repeated_step_is_refused(declared, data):
    states, pairs = declared
    if not pairs:
        return
    again = data.draw(st.sampled_from(pairs))
    steps = [Step(s, t) for s, t in pairs] + [Step(*again, by=OWNER)]
    with pytest.raises(FlowError, match="declared twice"):
        Flow("random", states=states, capability="random.cap", steps=steps)


@settings(max_examples=100, deadline=None)
@given(random_flows(), st.data())
def test_any_step_into_start_or_an_unknown_state_is_refused(declared, data):
    states, pairs = declared
    source = data.draw(st.sampled_from(states))
    with pytest.raises(FlowError, match="before the start"):
        Flow("random", states=states, capability="c", steps=[*(Step(s, t) for s, t in pairs), Step(source, START)])
    with pytest.raises(FlowError, match="unknown state 'zzzz'"):
        Flow("random", states=states, capability="c", steps=[*(Step(s, t) for s, t in pairs), Step(source, "zzzz")])


# --- every flow the project declares -------------------------------------------------------------

PROJECT_FLOWS = [
    (people_flows.REGISTER_IMPORT_FLOW, RegisterImport, RegisterImport.Status.values),
    (testing_flows.ROUND_FLOW, Round, Round.Status.values),
    (testing_flows.TUBE_FLOW, Tube, Tube.Status.values),
    (testing_flows.SAMPLE_FLOW, Sample, Sample.Result.values),
    (testing_flows.RECALL_FLOW, Recall, Recall.Status.values),
    (volunteer_flows.VOLUNTEER_FLOW, Volunteer, Volunteer.Status.values),
    (volunteer_flows.CHECKIN_FLOW, CheckIn, CheckIn.Status.values),
    (volunteer_flows.AID_FLOW, AidRequest, AidRequest.Status.values),
    (supplies_flows.ORDER_FLOW, Order, Order.Status.values),
    (supplies_flows.RUN_FLOW, DeliveryRun, DeliveryRun.Status.values),
    (supplies_flows.ALLOCATION_FLOW, AllocationPlan, AllocationPlan.Status.values),
    (appeal_flows.APPEAL_FLOW, Appeal, Appeal.Status.values),
    (notices_flows.NOTICE_FLOW, Notice, Notice.Status.values),
    (zone_flows.ZONE_FLOW, Zone, Zone.Status.values),
]
_IDS = [flow.name for flow, _model, _values in PROJECT_FLOWS]


def _declared_flows():
    """Every Flow object at module level in a `gongzhi.<app>.flows` module."""
    found = []
    for info in pkgutil.iter_modules(gongzhi.__path__):
        try:
            module = importlib.import_module(f"gongzhi.{info.name}.flows")
        except ModuleNotFoundError as exc:
            if exc.name != f"gongzhi.{info.name}.flows":
                raise
            continue
        found.extend(value for value in vars(module).values() if isinstance(value, Flow))
    return found


def test_the_list_below_covers_every_flow_the_project_declares():
    # a new flow added to some app's flows.py must be added to PROJECT_FLOWS (and so checked)
    declared = {id(f): f.name for f in _declared_flows()}
    listed = {id(f): f.name for f, _m, _v in PROJECT_FLOWS}
    assert declared == listed
    assert len(set(declared.values())) == len(declared), "two flows share a name (their events would mix)"


@pytest.mark.parametrize(("flow", "model", "values"), PROJECT_FLOWS, ids=_IDS)
def test_a_flows_states_are_the_values_of_the_field_it_drives(flow, model, values):
    assert set(flow.states) == set(values)
    assert len(flow.states) == len(values)  # no state declared twice
    assert max(map(len, flow.states)) <= WorkflowEvent._meta.get_field("to_status").max_length
    if flow.field is None:  # a state not stored (a sample's is its tube's): no column to drive
        assert not any(f.name == "result" or f.name == "status" for f in model._meta.concrete_fields)
        with pytest.raises(FlowError):
            flow.stored_field()
        return
    field = model._meta.get_field(flow.field)
    assert {value for value, _label in field.choices} == set(flow.states)
    if field.has_default():  # a row created with the default starts where the flow can start it
        assert field.default in flow.initial_states()
    # every state fits the model's column and the event's from/to columns; the name fits the event
    assert max(map(len, flow.states)) <= field.max_length
    assert max(map(len, flow.states)) <= WorkflowEvent._meta.get_field("to_status").max_length
    assert len(flow.name) <= WorkflowEvent._meta.get_field("flow").max_length


@pytest.mark.parametrize(("flow", "model", "values"), PROJECT_FLOWS, ids=_IDS)
def test_every_state_of_a_flow_is_reachable_from_start(flow, model, values):
    reached, queue = set(), deque([START])
    while queue:
        for target in flow.next_states(queue.popleft()):
            if target not in reached:
                reached.add(target)
                queue.append(target)
    assert reached == set(flow.states)
    assert flow.initial_states(), "a flow nobody can start"


@pytest.mark.parametrize(("flow", "model", "values"), PROJECT_FLOWS, ids=_IDS)
def test_every_staff_step_of_a_flow_names_a_capability_some_role_holds(flow, model, values):
    from gongzhi.core import roles

    for step in flow.steps():
        if step.by == STAFF:
            capability = flow.capability_of(step)
            holders = [r for r in roles.CAPABILITIES if roles.role_can(r, capability)]
            assert holders, f"{flow.name}: nobody holds {capability}"
            if step.levels is not None:
                # a level-restricted step is taken by a role held at that level
                assert {roles.ROLE_LEVEL[r] for r in holders} & step.levels


def test_the_project_flows_tables_as_documented():
    """The tables as the flows' docstrings describe them, written out by hand."""
    table = {f.name: {(s.source, s.target, s.by) for s in f.steps()} for f, _m, _v in PROJECT_FLOWS}
    assert table["recall"] == {
        (START, "open", SYSTEM),
        ("open", "notified", STAFF),
        ("open", "resampled", STAFF),
        ("notified", "resampled", STAFF),
        ("resampled", "negative", STAFF),
        ("resampled", "positive", STAFF),
        # the platform's, when the lab corrects the pool's result (issue 9)
        ("open", "cancelled", SYSTEM),
        ("notified", "cancelled", SYSTEM),
        ("cancelled", "open", SYSTEM),
    }
    assert table["aid"] == {
        (START, "submitted", OWNER),
        ("submitted", "community_approved", STAFF),
        ("submitted", "rejected", STAFF),
        ("community_approved", "approved", STAFF),
        ("community_approved", "rejected", STAFF),
        ("approved", "paid", STAFF),
    }
    assert table["appeal"] == {
        (START, "pending", SYSTEM),
        (START, "unplaced", SYSTEM),
        (START, "merged", SYSTEM),
        ("unplaced", "pending", STAFF),
        ("pending", "in_progress", STAFF),
        ("pending", "resolved", STAFF),
        ("in_progress", "resolved", STAFF),
        ("pending", "pending", SYSTEM),  # the deadline of its level lapsed: up one level
        ("in_progress", "pending", SYSTEM),
        ("resolved", "closed", SYSTEM),  # the resident's answer
        ("resolved", "in_progress", SYSTEM),
    }
    # Nothing closes a request but the resident's answer: the only ways out of the open states.
    assert set(appeal_flows.APPEAL_FLOW.terminal_states()) == {"closed", "merged"}
    aid = volunteer_flows.AID_FLOW
    assert aid.step("submitted", "community_approved").levels == {"community"}
    assert aid.step("community_approved", "approved").levels == {"street"}
    assert volunteer_flows.CHECKIN_FLOW.next_states("on_duty", by=OWNER) == ("checked_out",)
    assert volunteer_flows.CHECKIN_FLOW.step("checked_out", "confirmed").levels == {"community"}
    assert testing_flows.TUBE_FLOW.sources_of("positive") == ("open", "closed", "negative")  # a correction
    assert testing_flows.SAMPLE_FLOW.field is None  # a sample's result is its tube's
    assert testing_flows.ROUND_FLOW.terminal_states() == ()  # a closed round may be opened again
    assert set(testing_flows.RECALL_FLOW.terminal_states()) == {"negative", "positive"}
    assert all(s.by == OWNER for s in people_flows.REGISTER_IMPORT_FLOW.steps())
