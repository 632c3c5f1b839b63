"""Measures one app decides for places and another applies: risk zones (zones) decide who must be
sampled in a tube of their own, mass testing (testing) refuses to pool them. The deciding app
registers a provider here from its AppConfig.ready; the applying app asks core, and never reads the
deciding app's tables (nor imports it: zones sits above testing)."""

from collections.abc import Callable, Collection, Sequence

SINGLE_TUBE = "single_tube"  # residents to be sampled one to a tube (a lockdown or control zone)
URGENCY_RAISE = "urgency_raise"  # levels a request from a household there is raised (a lockdown zone)
DOOR_DELIVERY = "door_delivery"  # buildings whose households' supplies come to the door first (a lockdown zone)

Provider = Callable[[Collection[int], Collection[str]], set[int]]
_PROVIDERS: dict[str, Provider] = {}


def register(measure: str, provider: Provider) -> None:
    """`provider(resident_ids, community_codes)` -> the residents among them the measure applies to."""
    _PROVIDERS[measure] = provider


def residents_under(measure: str, resident_ids: Collection[int], communities: Collection[str]) -> set[int]:
    """The residents (of these communities) the measure applies to; none without a provider."""
    provider = _PROVIDERS.get(measure)
    if provider is None or not resident_ids:
        return set()
    return provider(resident_ids, communities)


Place = tuple[int, int | None, str]  # (building_id, grid_id, community_code)
PlacesProvider = Callable[[Sequence[Place]], list[int]]
_PLACES_PROVIDERS: dict[str, PlacesProvider] = {}


def register_places(measure: str, provider: PlacesProvider) -> None:
    """`provider(places)` -> the measure's number at each place, in order, in one read for all."""
    _PLACES_PROVIDERS[measure] = provider


def at_places(measure: str, places: Sequence[Place]) -> list[int]:
    """The measure's number at each building, in order (0 without a provider)."""
    provider = _PLACES_PROVIDERS.get(measure)
    if provider is None or not places:
        return [0] * len(places)
    return provider(places)


BuildingsProvider = Callable[[Collection[str]], set[int]]
_BUILDING_PROVIDERS: dict[str, BuildingsProvider] = {}


def register_buildings(measure: str, provider: BuildingsProvider) -> None:
    """`provider(community_codes)` -> the ids of the buildings of these communities the measure holds in."""
    _BUILDING_PROVIDERS[measure] = provider


def buildings_under(measure: str, communities: Collection[str]) -> set[int]:
    """The buildings of these communities where the measure holds (none without a provider)."""
    provider = _BUILDING_PROVIDERS.get(measure)
    return provider(communities) if provider is not None and communities else set()
