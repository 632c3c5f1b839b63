"""Pooled sampling (混采) arithmetic. No Django here.

Dorfman (1943) two-stage pooling: k samples share a tube; a positive tube is retested singly.
Expected tests per person E(k, p) = 1/k + 1 - (1 - p)^k for k >= 2, and 1 for k = 1.
At p = 1 % the optimum is k = 11 with E = 0.196 (../shared/DOMAIN.md).
"""

from dataclasses import dataclass

# National guideline (3rd ed., 2022): 10-in-1 in ordinary areas, 20-in-1 in prevention areas,
# single tube in lockdown and control areas.
GUIDELINE_POOL_SIZE = {"ordinary": 10, "prevention": 20, "control": 1, "lockdown": 1}
MAX_POOL_SIZE = 20


def expected_tests_per_person(pool_size: int, prevalence: float) -> float:
    """Dorfman's expected number of tests per person for pool size k at prevalence p."""
    if pool_size < 1:
        raise ValueError("pool size must be at least 1")
    if not 0.0 <= prevalence <= 1.0:
        raise ValueError("prevalence must be between 0 and 1")
    if pool_size == 1:
        return 1.0
    return 1.0 / pool_size + 1.0 - (1.0 - prevalence) ** pool_size


@dataclass(frozen=True)
class PoolChoice:
    pool_size: int
    tests_per_person: float


def optimal_pool_size(prevalence: float, max_pool_size: int = 100) -> PoolChoice:
    """The pool size with the fewest expected tests per person (1 when pooling does not pay)."""
    best = PoolChoice(1, 1.0)
    for k in range(2, max_pool_size + 1):
        e = expected_tests_per_person(k, prevalence)
        if e < best.tests_per_person:
            best = PoolChoice(k, e)
    return best


def break_even_prevalence(pool_size: int | None = None, tolerance: float = 1e-9) -> float:
    """The prevalence above which pooling (of the given size, or of the best size) stops paying.

    Pooling with size k pays while E(k, p) < 1, i.e. (1 - p)^k > 1/k. Solved by bisection.
    """

    def pays(p: float) -> bool:
        if pool_size is not None:
            return expected_tests_per_person(pool_size, p) < 1.0
        return optimal_pool_size(p).pool_size > 1

    low, high = 0.0, 1.0
    while high - low > tolerance:
        mid = (low + high) / 2
        if pays(mid):
            low = mid
        else:
            high = mid
    return low


def guideline_pool_size(zone: str | None) -> int:
    """The guideline's pool size for a zone kind (ordinary when there is no zone)."""
    return GUIDELINE_POOL_SIZE.get(zone or "ordinary", GUIDELINE_POOL_SIZE["ordinary"])


def suggested_pool_size(prevalence: float, zone: str | None = None) -> int:
    """What a round form suggests: the Dorfman optimum capped by the guideline for the zone."""
    return max(1, min(optimal_pool_size(prevalence, MAX_POOL_SIZE).pool_size, guideline_pool_size(zone)))
