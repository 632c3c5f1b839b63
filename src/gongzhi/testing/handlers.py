"""What mass testing does when something it subscribed to has changed (core.events). Imported by
TestingConfig.ready so the subscriptions exist in every process, Huey consumers included."""

from typing import Any

from gongzhi.core import events
from gongzhi.people.services import RESIDENTS_CHANGED
from gongzhi.testing.services import recalls, rollup
from gongzhi.testing.services.results import POOLS_POSITIVE


@events.subscriber(POOLS_POSITIVE)
def open_recalls_for_positive_pools(payload: dict[str, Any]) -> None:
    """A positive pool's members are held in place and re-swabbed singly: open their recalls (the
    reason is a correction's, when a retest made the pool positive)."""
    recalls.recalls_open(
        round_id=payload["round"],
        tube_ids=payload["tubes"],
        actor_id=payload.get("actor"),
        reason=payload.get("reason", ""),
    )


@events.subscriber(RESIDENTS_CHANGED)
def refresh_expected(payload: dict[str, Any]) -> None:
    """Residents registered, moved or imported: the open rounds' expected figures for those
    communities follow, so the dashboard's totals keep agreeing with the coverage page."""
    rollup.expected_refresh(payload.get("communities", []))
