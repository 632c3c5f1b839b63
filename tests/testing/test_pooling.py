"""Dorfman pooling arithmetic (gongzhi.testing.pooling): pure functions, no database."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.testing import pooling
from gongzhi.testing.pooling import (
    GUIDELINE_POOL_SIZE,
    MAX_POOL_SIZE,
    PoolChoice,
    break_even_prevalence,
    expected_tests_per_person,
    guideline_pool_size,
    optimal_pool_size,
    suggested_pool_size,
)

# --- E(k, p) -------------------------------------------------------------------------------


def test_expected_tests_at_one_percent_for_eleven_is_0_1956():
    # given k = 11 and p = 1 %
    # when
    e = expected_tests_per_person(11, 0.01)
    # then E = 1/11 + 1 - 0.99^11
    assert e == pytest.approx(0.1956, abs=1e-3)
    assert e == pytest.approx(1 / 11 + 1 - 0.99**11, abs=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 0.5, 1.0])
def test_single_tube_costs_exactly_one_test_per_person(p):
    # given a pool of one, when E is computed, then it is exactly 1 at any prevalence
    assert expected_tests_per_person(1, p) == 1.0


@pytest.mark.parametrize(
    ("k", "p", "expected"),
    [
        (10, 0.01, 0.1 + 1 - 0.99**10),  # 0.19562
        (20, 0.01, 0.05 + 1 - 0.99**20),  # 0.23209
        (2, 0.0, 0.5),  # no positives: only the pool tests
        (10, 0.0, 0.1),
        (10, 1.0, 1.1),  # everyone positive: pool + every single retest
    ],
)
def test_expected_tests_known_values(k, p, expected):
    assert expected_tests_per_person(k, p) == pytest.approx(expected, abs=1e-12)


def test_expected_tests_ten_and_twenty_at_one_percent_rounded():
    assert round(expected_tests_per_person(10, 0.01), 4) == 0.1956
    assert round(expected_tests_per_person(20, 0.01), 4) == 0.2321


# --- optimum -------------------------------------------------------------------------------


def test_optimal_pool_size_at_one_percent_is_eleven():
    # given p = 1 %, when the optimum is searched over 1..100
    choice = optimal_pool_size(0.01)
    # then k = 11 with E = 0.196 (DOMAIN.md)
    assert choice.pool_size == 11
    assert choice.tests_per_person == pytest.approx(0.1956, abs=1e-3)
    assert choice == PoolChoice(11, expected_tests_per_person(11, 0.01))


def test_optimal_pool_size_when_pooling_does_not_pay_is_one():
    # given 40 % prevalence (above the ~30.7 % break-even), then single tubes are best
    assert optimal_pool_size(0.40) == PoolChoice(1, 1.0)
    assert optimal_pool_size(1.0) == PoolChoice(1, 1.0)


def test_optimal_pool_size_respects_max_pool_size():
    # given p = 0.1 %, the unconstrained optimum is 32 (sqrt(1/p) ~ 31.6)
    assert optimal_pool_size(0.001).pool_size == 32
    # when capped at 20, then 20 is the best allowed
    assert optimal_pool_size(0.001, max_pool_size=20).pool_size == 20
    # when capped at 1, then there is nothing to search and the answer is a single tube
    assert optimal_pool_size(0.001, max_pool_size=1) == PoolChoice(1, 1.0)


def test_optimal_pool_size_at_zero_prevalence_is_the_cap():
    choice = optimal_pool_size(0.0)
    assert choice.pool_size == 100
    assert choice.tests_per_person == pytest.approx(0.01, abs=1e-12)


# --- break-even ----------------------------------------------------------------------------


def test_break_even_prevalence_of_the_best_size_is_about_30_66_percent():
    # given the best pool size at each prevalence, when pooling stops paying
    p = break_even_prevalence()
    # then at 1 - 3^(-1/3) (k = 3 is the last size that pays)
    assert p == pytest.approx(0.3066, abs=1e-4)
    assert p == pytest.approx(1 - 3 ** (-1 / 3), abs=1e-6)


def test_break_even_prevalence_for_ten_is_about_20_57_percent():
    p = break_even_prevalence(10)
    assert p == pytest.approx(0.2057, abs=1e-4)
    assert p == pytest.approx(1 - 10 ** (-1 / 10), abs=1e-6)
    # and just either side of it, E crosses 1
    assert expected_tests_per_person(10, p - 1e-4) < 1.0
    assert expected_tests_per_person(10, p + 1e-4) > 1.0


def test_break_even_prevalence_for_a_single_tube_is_zero():
    # a pool of one never "pays" (E is exactly 1), so the bisection stays at 0
    assert break_even_prevalence(1) == 0.0


# --- guideline -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "size"),
    [("ordinary", 10), ("prevention", 20), ("control", 1), ("lockdown", 1), (None, 10), ("", 10)],
)
def test_guideline_pool_size_by_zone(zone, size):
    assert guideline_pool_size(zone) == size


def test_guideline_pool_size_unknown_zone_falls_back_to_ordinary():
    assert guideline_pool_size("no-such-zone") == 10


def test_guideline_table_and_cap():
    assert GUIDELINE_POOL_SIZE == {"ordinary": 10, "prevention": 20, "control": 1, "lockdown": 1}
    assert MAX_POOL_SIZE == 20


@pytest.mark.parametrize(
    ("p", "zone", "size"),
    [
        (0.01, None, 10),  # optimum 11, capped by ordinary 10
        (0.01, "ordinary", 10),
        (0.01, "prevention", 11),  # optimum 11 is under the 20 cap
        (0.01, "control", 1),
        (0.01, "lockdown", 1),
        (0.001, "prevention", 20),  # optimum 32, capped by MAX_POOL_SIZE and guideline 20
        (0.001, "ordinary", 10),
        (0.05, "prevention", 5),  # optimum at 5 %: k = 5
        (0.05, "ordinary", 5),
        (0.40, "prevention", 1),  # pooling does not pay
        (0.40, None, 1),
    ],
)
def test_suggested_pool_size_is_the_optimum_capped_by_the_guideline(p, zone, size):
    assert suggested_pool_size(p, zone) == size


# --- invalid input -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, -1, -100])
def test_pool_size_below_one_is_rejected(k):
    with pytest.raises(ValueError, match="pool size"):
        expected_tests_per_person(k, 0.01)


@pytest.mark.parametrize("p", [-0.01, 1.01, -1.0, 2.0, math.nan])
def test_prevalence_outside_zero_one_is_rejected(p):
    with pytest.raises(ValueError, match="prevalence"):
        expected_tests_per_person(10, p)
    with pytest.raises(ValueError, match="prevalence"):
        optimal_pool_size(p)
    with pytest.raises(ValueError, match="prevalence"):
        suggested_pool_size(p, "ordinary")


def test_break_even_for_pool_size_zero_is_rejected():
    with pytest.raises(ValueError, match="pool size"):
        break_even_prevalence(0)


# --- property ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(p=st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_property_optimum_is_no_worse_than_any_pool_size(p):
    best = optimal_pool_size(p)
    assert 1 <= best.pool_size <= 100
    assert best.tests_per_person == expected_tests_per_person(best.pool_size, p)
    for k in range(1, 101):
        assert best.tests_per_person <= expected_tests_per_person(k, p)


@settings(max_examples=100, deadline=None)
@given(
    p=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    zone=st.sampled_from([None, *pooling.GUIDELINE_POOL_SIZE]),
)
def test_property_suggested_size_never_exceeds_guideline(p, zone):
    size = suggested_pool_size(p, zone)
    assert 1 <= size <= guideline_pool_size(zone) <= MAX_POOL_SIZE
