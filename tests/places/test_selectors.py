import pytest
from django.http import Http404

from gongzhi.places.models import Household
from gongzhi.places.selectors import household_by_door_code
from tests.factories import BuildingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def _values(row):
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def test_a_door_code_gives_the_household_and_its_building_as_the_orm_reads_them():
    building = BuildingFactory(latitude=30.6425, longitude=104.1035, floors=18)
    household = HouseholdFactory(building=building, room="1802", unit=2)
    found = household_by_door_code(f"H:{household.door_key.upper()}")
    expected = Household.objects.select_related("building").get(pk=household.pk)
    assert _values(found) == _values(expected)
    assert _values(found.building) == _values(expected.building)
    for f in Household._meta.concrete_fields:  # the same Python types, not only equal values
        assert type(getattr(found, f.attname)) is type(getattr(expected, f.attname)), f.attname
    assert found._state.adding is False and found._state.db == "default"
    found.room = "1803"
    found.save(update_fields=["room"])  # a row that can be saved, as one from a query
    assert Household.objects.get(pk=household.pk).room == "1803"


@pytest.mark.parametrize("code", ["", "H:", "H:0123456789abcdef01234567", "H:' OR 1=1 --", "x" * 60])
def test_a_code_that_is_no_door_key_finds_nothing(code):
    HouseholdFactory()
    with pytest.raises(Http404):
        household_by_door_code(code)


def test_the_public_id_is_not_a_door_code():
    household = HouseholdFactory()
    with pytest.raises(Http404):
        household_by_door_code(f"H:{household.public_id}")
