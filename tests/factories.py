"""Test data builders (factory_boy) for the area tree, places, residents and users."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model

from gongzhi.core.models import RoleAssignment
from gongzhi.people.id_rules import make_id_number
from gongzhi.people.models import Gender, Resident
from gongzhi.places.models import Area, Building, Grid, Household

_sequence = itertools.count(1)


def valid_id_number(area6: str = "510104", born: dt.date = dt.date(1980, 5, 17), male: bool = True) -> str:
    return make_id_number(area6, born, next(_sequence), male)


def make_user_with_role(
    username: str, role: str, area_code: str, *, grid=None, building=None, password="pass-for-tests-1"
):
    user = get_user_model().objects.create_user(username=username, password=password)
    RoleAssignment.objects.create(user=user, role=role, area_code=area_code, grid=grid, building=building)
    return user


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.LazyFunction(lambda: Area.objects.get(code="510104017001"))
    community_code = factory.LazyAttribute(lambda o: o.community.code)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"第{o.number}网格")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(GridFactory)
    community_code = factory.LazyAttribute(lambda o: o.grid.community_code)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}栋")
    address = "水井街1号"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    building = factory.SubFactory(BuildingFactory)
    community_code = factory.LazyAttribute(lambda o: o.building.community_code)
    unit = 1
    room = factory.Sequence(lambda n: f"{100 + n}")
    address = factory.LazyAttribute(lambda o: f"{o.building.address}{o.building.name}{o.unit}单元{o.room}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    community_code = factory.LazyAttribute(lambda o: o.household.community_code)
    name = factory.Sequence(lambda n: f"张{n}")
    id_number = factory.LazyFunction(valid_id_number)
    gender = Gender.MALE
    birth_date = dt.date(1980, 5, 17)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
