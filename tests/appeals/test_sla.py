"""Who owns a request and until when (appeals.sla): the levels, the deadlines, their state, the
area each level answers for, the check of the setting."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import sla
from gongzhi.appeals.messages import APPEALS, problem_text
from gongzhi.appeals.sla import (
    DEFAULT_SLA_MINUTES,
    DUE_SOON,
    LAPSED,
    LEVELS,
    ON_TIME,
    SLA_BAD_MINUTES,
    SLA_MISSING,
    SLA_ORDER,
    SLA_STATES,
    SLA_UNKNOWN,
)
from gongzhi.core.errors import Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMUNITY = "510104021001"


def test_a_request_starts_at_its_grid_or_its_community():
    assert sla.first_level(has_grid=True) == "grid"
    assert sla.first_level(has_grid=False) == "community"


def test_the_levels_up_to_the_district_where_it_stays():
    chain, level = [], "grid"
    while level is not None:
        chain.append(level)
        level = sla.next_level(level)
    assert chain == list(LEVELS) == ["grid", "community", "street", "district"]
    assert sla.next_level("community") == "street"
    assert sla.next_level("district") is None
    with pytest.raises(ValueError):
        sla.next_level("city")


def test_due_at_adds_the_urgencys_minutes():
    since = dt.datetime(2022, 9, 5, 10, 0)
    assert sla.due_at(since, "critical", DEFAULT_SLA_MINUTES) == dt.datetime(2022, 9, 5, 10, 30)
    assert sla.due_at(since, "urgent", DEFAULT_SLA_MINUTES) == dt.datetime(2022, 9, 5, 12, 0)
    assert sla.due_at(since, "normal", DEFAULT_SLA_MINUTES) == dt.datetime(2022, 9, 6, 10, 0)
    assert sla.due_at(since, "normal", {"normal": 90}) == dt.datetime(2022, 9, 5, 11, 30)
    with pytest.raises(KeyError):
        sla.due_at(since, "urgent", {"normal": 90})


def test_due_at_of_an_aware_time_keeps_its_zone_and_counts_elapsed_time():
    since = dt.datetime(2022, 9, 5, 23, 50, tzinfo=SHANGHAI)
    due = sla.due_at(since, "critical", DEFAULT_SLA_MINUTES)
    assert due == dt.datetime(2022, 9, 6, 0, 20, tzinfo=SHANGHAI) and due.tzinfo == SHANGHAI
    assert due == dt.datetime(2022, 9, 5, 16, 20, tzinfo=dt.UTC)
    # across a daylight-saving change: 2 hours of elapsed time, not of the wall clock
    berlin = ZoneInfo("Europe/Berlin")
    before_change = dt.datetime(2022, 10, 30, 1, 30, tzinfo=berlin)  # the clocks go back at 3:00 (CEST -> CET)
    due = sla.due_at(before_change, "urgent", DEFAULT_SLA_MINUTES)
    assert due.astimezone(dt.UTC) - before_change.astimezone(dt.UTC) == dt.timedelta(hours=2)
    assert (due.hour, due.minute) == (2, 30)


def test_sla_state_at_its_edges():
    since = dt.datetime(2022, 9, 5, 10, 0, tzinfo=SHANGHAI)
    due = sla.due_at(since, "urgent", DEFAULT_SLA_MINUTES)  # 120 minutes; the last quarter: 30 minutes

    def state(minutes_after_since, seconds=0):
        now = since + dt.timedelta(minutes=minutes_after_since, seconds=seconds)
        return sla.sla_state(due, now, urgency="urgent", sla_minutes=DEFAULT_SLA_MINUTES)

    assert state(0) == ON_TIME
    assert state(89, 59) == ON_TIME
    assert state(90) == DUE_SOON  # exactly a quarter left
    assert state(119, 59) == DUE_SOON
    assert state(120) == LAPSED  # at the deadline
    assert state(60 * 24 * 3) == LAPSED
    assert state(-10) == ON_TIME  # a clock a little behind
    assert set(SLA_STATES) == {LAPSED, DUE_SOON, ON_TIME}


def test_sla_state_compares_times_of_different_zones_as_instants():
    due = dt.datetime(2022, 9, 5, 12, 0, tzinfo=SHANGHAI)
    assert sla.sla_state(due, due.astimezone(dt.UTC), urgency="critical", sla_minutes=DEFAULT_SLA_MINUTES) == LAPSED
    now = dt.datetime(2022, 9, 5, 3, 50, tzinfo=dt.UTC)  # 11:50 in Shanghai: 10 of 30 minutes left
    assert sla.sla_state(due, now, urgency="critical", sla_minutes=DEFAULT_SLA_MINUTES) == ON_TIME
    now = dt.datetime(2022, 9, 5, 3, 53, tzinfo=dt.UTC)  # 7 minutes left, under a quarter (7.5)
    assert sla.sla_state(due, now, urgency="critical", sla_minutes=DEFAULT_SLA_MINUTES) == DUE_SOON


def test_naive_and_aware_times_do_not_mix():
    with pytest.raises(TypeError):
        sla.sla_state(
            dt.datetime(2022, 9, 5, 12, 0),
            dt.datetime(2022, 9, 5, 12, 0, tzinfo=SHANGHAI),
            urgency="normal",
            sla_minutes=DEFAULT_SLA_MINUTES,
        )


def test_the_area_code_each_level_answers_for():
    assert sla.area_code_at("grid", COMMUNITY) == COMMUNITY
    assert sla.area_code_at("community", COMMUNITY) == COMMUNITY
    assert sla.area_code_at("street", COMMUNITY) == "510104021"
    assert sla.area_code_at("district", COMMUNITY) == "510104"
    with pytest.raises(ValueError):
        sla.area_code_at("city", COMMUNITY)
    with pytest.raises(ValueError):
        sla.area_code_at("street", "510104021")  # a street's code is no community's


def test_check_sla_accepts_the_default():
    assert sla.check_sla(DEFAULT_SLA_MINUTES) == []
    assert sla.check_sla({"critical": 1, "urgent": 1, "normal": sla.MAX_SLA_MINUTES}) == []


@pytest.mark.parametrize(
    ("config", "problems"),
    [
        ({"critical": 30, "urgent": 120}, [Problem(SLA_MISSING, {"urgency": "normal"})]),
        (
            {"critical": 30, "urgent": 120, "normal": 1440, "critcal": 10},
            [Problem(SLA_UNKNOWN, {"urgency": "critcal"})],
        ),
        (
            {"critical": 0, "urgent": 120, "normal": 1440},
            [Problem(SLA_BAD_MINUTES, {"urgency": "critical", "value": "0", "limit": 43200})],
        ),
        (
            {"critical": -5, "urgent": 120, "normal": 1440},
            [Problem(SLA_BAD_MINUTES, {"urgency": "critical", "value": "-5", "limit": 43200})],
        ),
        (
            {"critical": 30, "urgent": 120, "normal": 43201},
            [Problem(SLA_BAD_MINUTES, {"urgency": "normal", "value": "43201", "limit": 43200})],
        ),
        (
            {"critical": 30.5, "urgent": "120", "normal": True},
            [
                Problem(SLA_BAD_MINUTES, {"urgency": "critical", "value": "30.5", "limit": 43200}),
                Problem(SLA_BAD_MINUTES, {"urgency": "urgent", "value": "120", "limit": 43200}),
                Problem(SLA_BAD_MINUTES, {"urgency": "normal", "value": "True", "limit": 43200}),
            ],
        ),
        (
            {"critical": 180, "urgent": 120, "normal": 1440},
            [
                Problem(
                    SLA_ORDER,
                    {"urgency": "critical", "minutes": 180, "other_urgency": "urgent", "other_minutes": 120},
                )
            ],
        ),
        (
            {"critical": 30, "urgent": 2000, "normal": 1440},
            [
                Problem(
                    SLA_ORDER, {"urgency": "urgent", "minutes": 2000, "other_urgency": "normal", "other_minutes": 1440}
                )
            ],
        ),
        (
            {"critical": 60, "urgent": 0, "normal": 30},  # urgent is wrong: critical is compared with normal
            [
                Problem(SLA_BAD_MINUTES, {"urgency": "urgent", "value": "0", "limit": 43200}),
                Problem(
                    SLA_ORDER, {"urgency": "critical", "minutes": 60, "other_urgency": "normal", "other_minutes": 30}
                ),
            ],
        ),
        ({}, [Problem(SLA_MISSING, {"urgency": u}) for u in ("critical", "urgent", "normal")]),
    ],
)
def test_check_sla_names_each_problem(config, problems):
    assert sla.check_sla(config) == problems


def test_every_code_has_words():
    assert set(sla.CODES) <= set(APPEALS.texts)
    text = problem_text(Problem(SLA_BAD_MINUTES, {"urgency": "critical", "value": "0", "limit": 43200}))
    assert text == "办理时限设置（GONGZHI_APPEAL_SLA）中critical的分钟数须为1到43200之间的整数，不是0"
