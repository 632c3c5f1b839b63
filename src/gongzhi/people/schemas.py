import datetime as dt

from ninja import Field, Schema


class ResidentOut(Schema):
    public_id: str
    name: str
    id_number: str = Field(description="Masked unless the role may see it in full and asked for it")
    phone: str
    gender: str
    birth_date: dt.date | None = Field(description="Only with the full numbers; masked answers give age_group")
    age_group: str = Field(
        description="60岁以下 or 60岁及以上: shown instead of the birth date beside a masked ID number"
    )
    household_id: str
    address: str
    community_code: str
    relation: str
    tags: list[str] | None  # null: health status this user is not shown (residents.health)


class ResidentPage(Schema):
    items: list[ResidentOut]
    page: int
    has_next: bool
    # Keyset cursors: pass `next` as `after` for the following page (every page costs the same);
    # `page` numbers reach only the first 10,000 rows.
    next: str = ""
    previous: str = ""


class ResidentFilter(Schema):
    area_code: str = ""
    grid_id: str = ""
    building_id: str = ""
    tag: str = ""
    q: str = ""
    page: int = 1
    page_size: int = 50
    after: str = Field("", max_length=200)
    before: str = Field("", max_length=200)


class ResidentCreateIn(Schema):
    household_id: str
    name: str
    id_number: str
    phone: str = ""
    relation: str = ""
    notes: str = ""
    tags: list[str] = []


class ResidentUpdateIn(Schema):
    household_id: str | None = None
    name: str
    id_number: str
    phone: str = ""
    relation: str = ""
    notes: str = ""
    tags: list[str] = []
