"""The zone rules (zones/rules.py): what is proposed around positive cases, which kind applies where
zones overlap, and that a release never comes before its conditions."""

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.zones import rules
from gongzhi.zones.rules import (
    BUILDING,
    COMMUNITY,
    CONTROL,
    GRID,
    LOCKDOWN,
    PREVENTION,
    STREET,
    Case,
    Place,
    ZoneArea,
    ZoneHistory,
)

# A small city: 2 streets x 2 communities x (2 grids + no grid) x 3 buildings.
COMMUNITIES = ["510104017001", "510104017002", "510104018001", "510104018002"]


@st.composite
def places(draw):
    community = draw(st.sampled_from(COMMUNITIES))
    grid = draw(st.sampled_from([None, f"{community}-g1", f"{community}-g2"]))
    building = f"{grid or community}-b{draw(st.integers(1, 3))}"
    return Place(building=building, grid=grid, community=community)


cases = st.lists(st.builds(Case, key=st.text("abcdef0123456789", min_size=4, max_size=8), place=places()), max_size=30)


def test_one_case_proposes_its_building_locked_down_its_grid_controlled_its_street_under_prevention():
    case = Case("S1", Place("b1", "g1", "510104017001"))
    proposed = rules.propose([case])
    assert [(p.kind, p.level, p.area, p.cases) for p in proposed] == [
        (LOCKDOWN, BUILDING, "b1", ("S1",)),
        (CONTROL, GRID, "g1", ("S1",)),
        (PREVENTION, STREET, "510104017", ("S1",)),
    ]
    assert {p.version for p in proposed} == {rules.DEFAULT_RULES.version}


def test_a_building_in_no_grid_has_its_community_controlled():
    proposed = rules.propose([Case("S1", Place("b1", None, "510104017001"))])
    assert (CONTROL, COMMUNITY, "510104017001") in [(p.kind, p.level, p.area) for p in proposed]


def test_two_cases_in_one_building_make_one_zone_listing_both():
    place = Place("b1", "g1", "510104017001")
    proposed = rules.propose([Case("S2", place), Case("S1", place)])
    assert len(proposed) == 3
    assert all(p.cases == ("S1", "S2") for p in proposed)


@settings(max_examples=300, deadline=None)
@given(cases)
def test_every_proposal_holds_each_of_its_cases_and_a_lockdown_holds_nothing_beyond_their_buildings(found):
    proposed = rules.propose(found)
    by_key = {}
    for case in found:
        by_key.setdefault(case.key, []).append(case)
    for proposal in proposed:
        assert proposal.cases, proposal
        for key in proposal.cases:
            # at least one case of that key lies inside the proposal's area
            assert any(c.place.area(proposal.level) == (proposal.level, proposal.area) for c in by_key[key])
        if proposal.kind == LOCKDOWN:
            assert proposal.level == BUILDING
            assert proposal.area in {c.place.building for c in found}
    # one zone per area, and every case's building is locked down
    assert len({(p.level, p.area) for p in proposed}) == len(proposed)
    assert {c.place.building for c in found} == {p.area for p in proposed if p.kind == LOCKDOWN}


@settings(max_examples=300, deadline=None)
@given(
    places(),
    st.lists(st.builds(ZoneArea, st.sampled_from(rules.KINDS), st.sampled_from(rules.LEVELS), st.just("")), max_size=6),
)
def test_where_zones_overlap_the_strictest_applies(place, shapes):
    # put each zone on the place's own area at its level, or on an area elsewhere
    zones = [ZoneArea(z.kind, *place.area(z.level)) for z in shapes[::2]] + [
        ZoneArea(z.kind, z.level, "elsewhere") for z in shapes[1::2]
    ]
    holding = [z.kind for z in shapes[::2]]
    expected = min(holding, key=rules.KINDS.index) if holding else None
    assert rules.kind_at(place, zones) == expected


def test_the_measures_of_each_kind():
    assert rules.measures(LOCKDOWN).pool_size == 1 and rules.measures(LOCKDOWN).door_delivery
    assert rules.measures(LOCKDOWN).raise_by == 1
    assert rules.measures(CONTROL).pool_size == 1 and rules.measures(CONTROL).raise_by == 0
    assert rules.measures(PREVENTION).pool_size == 20
    assert rules.measures(None) is None


NOW = dt.datetime(2022, 9, 20, 12, 0, tzinfo=dt.UTC)


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(rules.KINDS),
    since_hours=st.integers(0, 30 * 24),
    positive_hours=st.one_of(st.none(), st.integers(0, 30 * 24)),
    negative_rounds=st.integers(0, 5),
)
def test_a_release_never_precedes_its_conditions(kind, since_hours, positive_hours, negative_rounds):
    since = NOW - dt.timedelta(hours=since_hours)
    last = None if positive_hours is None else NOW - dt.timedelta(hours=positive_hours)
    history = ZoneHistory(kind, since, last, negative_rounds)
    problems = rules.release_problems(history, NOW)
    rule = rules.DEFAULT_RULES.kinds[kind]
    quiet_from = max(since, last) if last else since
    conditions_hold = (
        NOW - quiet_from >= dt.timedelta(days=rule.release_days) and negative_rounds >= rule.release_rounds
    )
    assert (problems == []) == conditions_hold
    codes = {p.code for p in problems}
    assert (rules.RELEASE_ROUNDS in codes) == (negative_rounds < rule.release_rounds)
    if rules.RELEASE_TOO_SOON not in codes:
        assert rules.release_due_at(history) <= NOW


def test_a_release_refused_says_how_long_is_left_and_which_rounds_are_missing():
    history = ZoneHistory(LOCKDOWN, NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=6, hours=1), 1)
    problems = {p.code: p.params for p in rules.release_problems(history, NOW)}
    assert problems[rules.RELEASE_TOO_SOON]["hours_left"] == 23
    assert problems[rules.RELEASE_ROUNDS] == {"kind": LOCKDOWN, "rounds": 2, "negative_rounds": 1}


def test_release_counts_elapsed_time_across_time_zones():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    since = dt.datetime(2022, 9, 13, 20, 0, tzinfo=shanghai)  # 12:00 UTC
    history = ZoneHistory(CONTROL, since, None, 1)
    assert rules.release_problems(history, NOW) == []  # exactly 7 days
    assert rules.release_problems(history, NOW - dt.timedelta(seconds=1))[0].code == rules.RELEASE_TOO_SOON


def test_a_round_is_due_at_the_kinds_interval():
    assert rules.round_due(LOCKDOWN, None, NOW)
    assert not rules.round_due(LOCKDOWN, NOW - dt.timedelta(hours=23), NOW)
    assert rules.round_due(LOCKDOWN, NOW - dt.timedelta(hours=24), NOW)
    assert not rules.round_due(PREVENTION, NOW - dt.timedelta(hours=24), NOW)


def test_the_default_rules_are_sound_and_bad_ones_are_named():
    assert rules.check_rules(rules.DEFAULT_RULES) == []
    upside_down = replace(
        rules.DEFAULT_RULES,
        tiers=(rules.Tier(LOCKDOWN, STREET), rules.Tier(CONTROL, GRID), rules.Tier("quarantine", "moon")),
    )
    codes = [p.code for p in rules.check_rules(upside_down)]
    assert rules.RULE_ORDER in codes and rules.RULE_UNKNOWN_KIND in codes and rules.RULE_UNKNOWN_LEVEL in codes
    bad_numbers = replace(
        rules.DEFAULT_RULES,
        kinds={**rules.DEFAULT_RULES.kinds, LOCKDOWN: replace(rules.DEFAULT_RULES.kinds[LOCKDOWN], pool_size=0)},
    )
    assert [p.params for p in rules.check_rules(bad_numbers)] == [{"kind": LOCKDOWN, "name": "pool_size", "value": 0}]


@pytest.mark.parametrize(
    ("chosen", "codes"),
    [({"b1", "b2"}, []), ({"b1", "b9"}, [rules.EDIT_OUTSIDE]), (set(), [rules.EDIT_EMPTY])],
)
def test_a_zone_edited_to_buildings_keeps_them_inside_its_area(chosen, codes):
    assert [p.code for p in rules.check_buildings(chosen=chosen, inside={"b1", "b2", "b3"})] == codes


def test_a_refused_release_reads_in_words():
    from gongzhi.zones.messages import problem_text

    history = ZoneHistory(LOCKDOWN, NOW - dt.timedelta(days=1), None, 0)
    texts = [problem_text(p) for p in rules.release_problems(history, NOW)]
    assert texts[0].startswith("封控区须连续7天无新增阳性") and "还差约144小时" in texts[0]
    assert texts[1] == "封控区解除前须有2轮核酸检测全部阴性，目前只有0轮"


def test_a_zone_holding_a_community_is_filed_on_it_its_street_or_its_district():
    assert rules.filing_codes(["510104017001", "510104017002"]) == {
        "510104017001",
        "510104017002",
        "510104017000",
        "510104000000",
    }
    assert rules.filing_codes([]) == set()
