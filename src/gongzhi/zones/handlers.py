"""What risk zones do when something they subscribed to has changed (core.events). Imported by
ZonesConfig.ready so the subscriptions exist in every process, Huey consumers included."""

from typing import Any

from gongzhi.core import events
from gongzhi.testing.services.results import POOLS_POSITIVE
from gongzhi.zones import services


@events.subscriber(POOLS_POSITIVE)
def propose_zones_for_positive_pools(payload: dict[str, Any]) -> None:
    """Positive pools: zones proposed around their members' buildings (idempotent: a case already on
    its zone changes nothing)."""
    services.zones_propose_for_tubes(round_id=payload["round"], tube_ids=payload["tubes"])
