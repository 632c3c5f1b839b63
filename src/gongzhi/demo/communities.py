"""Which real communities the demo fills, and what the population rules need to know of each."""

from collections.abc import Iterable, Sequence

from gongzhi.core.errors import ApplicationError
from gongzhi.demo.population import CommunitySpec
from gongzhi.places.models import Area

DEFAULT_COMMUNITIES = 10


def is_village(name: str) -> bool:
    """A villagers' committee (村民委员会) rather than an urban residents' committee."""
    return "村民委员会" in name or name.endswith("村委会")


def demo_communities_select(
    *, street: str | None = None, district: str | None = None, count: int | None = None
) -> list[Area]:
    """The communities to fill, in code order: of a street, of a district, or of the city.

    Without a street or district and without a count, the first DEFAULT_COMMUNITIES.
    """
    communities = Area.objects.filter(level=Area.Level.COMMUNITY).order_by("code")
    for code, level in ((street, Area.Level.STREET), (district, Area.Level.DISTRICT)):
        if code is None:
            continue
        if not Area.objects.filter(code=code, level=level).exists():
            raise ApplicationError("区划代码不存在", {"code": code, "level": level})
        communities = communities.in_area(code)
    if count is None and street is None and district is None:
        count = DEFAULT_COMMUNITIES
    if count is not None:
        if count < 1:
            raise ApplicationError("社区数量必须大于0", {"count": count})
        communities = communities[:count]
    return list(communities)


def community_specs(communities: Sequence[Area]) -> Iterable[CommunitySpec]:
    """Each community with its position among the communities of its district."""
    positions: dict[str, dict[str, int]] = {}
    for area in communities:
        district = area.code[:6]
        if district not in positions:
            codes = (
                Area.objects.filter(level=Area.Level.COMMUNITY)
                .in_area(district)
                .order_by("code")
                .values_list("code", flat=True)
            )
            positions[district] = {code: i for i, code in enumerate(codes)}
        in_district = positions[district]
        yield CommunitySpec(
            code=area.code,
            name=area.name,
            village=is_village(area.name),
            district_slot=in_district[area.code],
            district_slots=len(in_district),
        )
