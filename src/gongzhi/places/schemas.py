from ninja import Schema


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class GridOut(Schema):
    public_id: str
    community_code: str
    number: int
    name: str


class GridCreateIn(Schema):
    community_code: str
    number: int
    name: str = ""


class BuildingOut(Schema):
    public_id: str
    grid_id: str
    community_code: str
    number: int
    name: str
    address: str
    floors: int
    units: int


class BuildingCreateIn(Schema):
    number: int
    name: str = ""
    address: str = ""
    floors: int = 1
    units: int = 1


class HouseholdOut(Schema):
    public_id: str
    building_id: str
    community_code: str
    unit: int
    room: str
    address: str


class HouseholdCreateIn(Schema):
    unit: int = 1
    room: str


class Page(Schema):
    page: int
    has_next: bool
