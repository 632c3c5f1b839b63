import pytest

from gongzhi.core import roles


@pytest.mark.parametrize(
    ("role", "capability", "expected"),
    [
        (roles.COMMUNITY_WORKER, roles.SEE_FULL_PII, True),
        (roles.GRID_WORKER, roles.SEE_FULL_PII, True),
        (roles.STREET_STAFF, roles.SEE_FULL_PII, True),
        (roles.DISTRICT_STAFF, roles.SEE_FULL_PII, False),
        (roles.CITY_STAFF, roles.SEE_FULL_PII, False),
        (roles.BUILDING_LEADER, roles.SEE_FULL_PII, False),
        (roles.COLLECTOR, roles.SEE_FULL_PII, False),
        (roles.VOLUNTEER, roles.VIEW_RESIDENTS, False),
        (roles.LAB, roles.VIEW_RESIDENTS, False),
        (roles.COMMUNITY_WORKER, roles.IMPORT_RESIDENTS, True),
        (roles.GRID_WORKER, roles.IMPORT_RESIDENTS, False),
        (roles.BUILDING_LEADER, roles.EDIT_RESIDENTS, False),
        ("no_such_role", roles.VIEW_RESIDENTS, False),
    ],
)
def test_capability_table(role, capability, expected):
    assert roles.role_can(role, capability) is expected


def test_levels():
    assert roles.level_of_code("5101") == "city"
    assert roles.level_of_code("510104") == "district"
    assert roles.level_of_code("510104017") == "street"
    assert roles.level_of_code("510104017001") == "community"
    assert roles.role_fits_level(roles.COMMUNITY_WORKER, "community")
    assert not roles.role_fits_level(roles.COMMUNITY_WORKER, "street")
    assert roles.role_fits_level(roles.LAB, "district")
