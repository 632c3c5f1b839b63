"""Before the outbreak: the population built or reused, the staff, the supply points and their stock,
the volunteer reservoirs and the seeded clusters."""

import datetime as dt

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.demo import loader
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.play.base import BUILDING_ORDER, DrillBase
from gongzhi.demo.supplies import DISTRIBUTION_STOCK, ITEMS, RESERVE_STOCK, buildings_locate, community_centre
from gongzhi.people.models import Resident
from gongzhi.places.models import Area, Building, Household
from gongzhi.supplies import services as supply_services
from gongzhi.supplies.models import SupplyPoint
from gongzhi.volunteers import choices
from gongzhi.volunteers import services as volunteer_services

EVERY_SLOT = [f"{day}-{part}" for day in choices.WEEKDAYS for part in ("am", "pm", "eve")]


class SetupSteps(DrillBase):
    """The steps before the outbreak."""

    # ------------------------------------------------------------------ before the outbreak

    def _populate(self) -> None:
        codes = list(Area.objects.filter(level=Area.Level.COMMUNITY).order_by("code").values_list("code", flat=True))
        chosen = scenario.communities_for(codes, self.scale)
        areas = list(Area.objects.filter(code__in=chosen).order_by("code"))
        with self.timed("population (built or reused)") as step:
            result = loader.demo_city_load(
                communities=areas,
                seed=scenario.POPULATION_SEED,
                residents_per_community=self.per_community,
                as_of=scenario.POPULATION_AS_OF,
            )
            step.rows = result.residents
        self.say(
            f"population: {len(result.communities)} communities built, {len(result.skipped)} reused, "
            f"{result.residents:,} residents written in {result.seconds:.1f} s"
        )
        self.communities = areas
        self.codes = [a.code for a in areas]
        self.streets = sorted({c[:9] for c in self.codes})

    def _setup(self) -> None:
        rng = self.rng
        with self.timed("setup: staff, supplies, reservoirs"):
            self.city = self._user(roles.CITY_STAFF, self.codes[0][:4])
            for code in self.codes:
                self._user(roles.COMMUNITY_WORKER, code)
                self._user(roles.COLLECTOR, code)
            self._supplies()
        # the seeded clusters: some buildings of some communities, some households of each
        infected_codes = scenario.infected_communities(self.codes, rng, self.a.infected_share_of_communities)
        for code in infected_codes:
            buildings = list(
                Building.objects.filter(community_code=code, households__isnull=False)
                .distinct()
                .order_by(*BUILDING_ORDER)
                .values_list("pk", flat=True)
            )
            for building in rng.sample(buildings, min(len(buildings), rng.randint(*self.a.clusters_per_community))):
                households = list(
                    Household.objects.filter(building_id=building, residents__isnull=False)
                    .distinct()
                    .order_by("unit", "room")
                    .values_list("pk", flat=True)
                )
                for household in rng.sample(
                    households, min(len(households), rng.randint(*self.a.households_per_cluster))
                ):
                    members = sorted(
                        Resident.objects.filter(household_id=household).values_list("id_number", flat=True)
                    )
                    self.infected.update(members[: max(1, len(members) // 2)])
        self.seeded = len(self.infected)
        self.infected_communities = infected_codes
        reservoir_streets = {c[:9] for c in infected_codes}
        with self.timed("setup: staff, supplies, reservoirs"):
            for code in self.codes:
                if code[:9] in reservoir_streets:
                    self._reservoir(code)
        self.say(
            f"seeded {self.seeded} infected residents in {len(infected_codes)} communities; "
            f"reservoirs in {len(reservoir_streets)} streets"
        )

    def _supplies(self) -> None:
        district = self._user(roles.DISTRICT_STAFF, self.codes[0][:6])
        items = {
            name: supply_services.item_create(
                actor=district, name=name, category=category, unit=unit, kg_per_unit=kg, price=price,
                urgent_medical=urgent,
            )
            for name, category, unit, kg, price, urgent in ITEMS
        }  # fmt: skip
        self.items = items
        self.vegetables = supply_services.package_create(
            actor=district, name="5公斤蔬菜包", lines=[(items["时令蔬菜（5公斤）"], 1)]
        )
        self.elderly = supply_services.package_create(
            actor=district, name="7天老人包",
            lines=[(items["大米（5公斤袋）"], 1), (items["菜籽油（1.8升）"], 1), (items["鸡蛋（30枚）"], 1),
                   (items["纯牛奶（250毫升×12）"], 1), (items["时令蔬菜（5公斤）"], 1)],
        )  # fmt: skip
        buildings_locate(self.communities, seed=scenario.POPULATION_SEED)
        self.points: dict[str, SupplyPoint] = {}
        for street in self.streets:
            staff = self._user(roles.STREET_STAFF, street)
            reserve = supply_services.supply_point_create(
                actor=staff, area_code=street, kind="reserve", name="街道应急物资储备库"
            )
            for name, n in RESERVE_STOCK:
                supply_services.stock_receive(actor=staff, point=reserve, item=items[name], quantity=n, reason="储备")
        for community in self.communities:
            staff = self._user(roles.STREET_STAFF, community.code[:9])
            lat, lon = community_centre(community.code)
            point = supply_services.supply_point_create(
                actor=staff, area_code=community.code, kind="distribution", name=f"{community.name}物资分发点",
                latitude=lat, longitude=lon,
            )  # fmt: skip
            for name, n in DISTRIBUTION_STOCK:
                supply_services.stock_receive(actor=staff, point=point, item=items[name], quantity=n, reason="首批")
            self.points[community.code] = point

    def _reservoir(self, code: str) -> None:
        worker = self._user(roles.COMMUNITY_WORKER, code)
        # the community's adults sorted here, not by the database: ORDER BY id_number LIMIT 12 made
        # PostgreSQL walk the whole city's id_number index (3.2 s a community at 21 M residents, an
        # hour for the reservoirs of a scale-1 drill) instead of reading the community's ~7,000 rows
        adults = sorted(
            Resident.objects.filter(community_code=code, birth_date__lte=dt.date(2004, 1, 1))
            .filter(birth_date__gte=dt.date(1962, 1, 1))
            .exclude(phone="")
            .order_by()
            .values_list("id_number", "name", "phone")
        )[: self.a.volunteers_per_community]
        for id_number, name, phone in adults:
            try:
                volunteer, _ = volunteer_services.volunteer_sign_up(
                    name=name, id_number=id_number, phone=phone, community_code=code, group="transport",
                    password="", password_hash=self.password_hash, skills=["driving"], consent=True,
                    availability=EVERY_SLOT,
                )  # fmt: skip
            except ApplicationError:  # a phone another resident signed up with
                continue
            volunteer_services.volunteer_review(actor=worker, volunteer=volunteer, to_status="approved")
