"""Roles, what each may do, and at which level of the area tree it is held. No Django here."""

CITY_STAFF = "city_staff"
DISTRICT_STAFF = "district_staff"
STREET_STAFF = "street_staff"
COMMUNITY_WORKER = "community_worker"
GRID_WORKER = "grid_worker"
BUILDING_LEADER = "building_leader"
VOLUNTEER = "volunteer"
COLLECTOR = "collector"
LAB = "lab"

# The level of area a role is held on. "grid" and "building" assignments also name their community.
ROLE_LEVEL = {
    CITY_STAFF: "city",
    DISTRICT_STAFF: "district",
    STREET_STAFF: "street",
    COMMUNITY_WORKER: "community",
    GRID_WORKER: "grid",
    BUILDING_LEADER: "building",
    VOLUNTEER: "community",
    COLLECTOR: "community",
    LAB: "any",
}

VIEW_RESIDENTS = "residents.view"
EDIT_RESIDENTS = "residents.edit"
IMPORT_RESIDENTS = "residents.import"
EXPORT_RESIDENTS = "residents.export"
SEE_FULL_PII = "pii.full"
# A resident's vulnerability tags (重点人群: dialysis, insulin, chronic illness, disability,
# pregnancy...) are health status: shown to those who care for them, not to every role that sees residents.
VIEW_HEALTH = "residents.health"
VIEW_PLACES = "places.view"
EDIT_PLACES = "places.edit"
READ_AUDIT = "audit.read"
MANAGE_ROUNDS = "testing.manage"
VIEW_TESTING = "testing.view"
COLLECT_SAMPLES = "testing.collect"
RECORD_RESULTS = "testing.results"
HANDLE_RECALLS = "testing.recalls"  # notify and re-swab the members of a positive pool
MANAGE_VOLUNTEERS = "volunteers.manage"
CONFIRM_HOURS = "volunteers.confirm_hours"
VIEW_VOLUNTEERS = "volunteers.view"
SERVE = "volunteers.serve"  # a volunteer's own page, shifts and check-in
VIEW_SUPPLIES = "supplies.view"
ORDER_SUPPLIES = "supplies.order"  # order for a household, on its behalf
MANAGE_SUPPLIES = "supplies.manage"  # accept, pack, plan delivery runs
MANAGE_STOCK = "supplies.stock"  # supply points and their stock ledger; allocation at street level
DELIVER = "supplies.deliver"  # a volunteer's delivery runs and doorstep confirmations
VIEW_APPEALS = "appeals.view"  # residents' requests (诉求) in one's areas
ENTER_APPEALS = "appeals.enter"  # a request taken by phone or at the door, on a household's behalf
HANDLE_APPEALS = "appeals.handle"  # take on, assign, resolve; the level a request sits at decides whose it is
IMPORT_HOTLINE = "appeals.import"  # 12345 hotline work orders, and placing those no household matched
VIEW_NOTICES = "notices.view"
PUBLISH_NOTICES = "notices.publish"
TELL_NOTICES = "notices.tell"  # a building leader's "told in person" for a household that has not read
VIEW_ZONES = "zones.view"  # risk zones (封控区, 管控区, 防范区) in or over one's areas
DECIDE_ZONES = "zones.decide"  # confirm or reject a proposed zone, release one whose conditions hold
VIEW_COMMAND = "command.view"  # the command view: every app's figures for an area and its children
# The door codes' secret keys (H:<door key>), printed for the doors: whoever holds one acts as that
# household on its own pages. Those who put the codes on the doors hold this; other staff name a
# household by its public id.
PRINT_DOOR_CODES = "places.door_codes"

_STAFF = {
    VIEW_PLACES,
    VIEW_RESIDENTS,
    EXPORT_RESIDENTS,
    READ_AUDIT,
    MANAGE_ROUNDS,
    VIEW_TESTING,
    VIEW_VOLUNTEERS,
    VIEW_SUPPLIES,
    MANAGE_STOCK,
    VIEW_APPEALS,
    VIEW_NOTICES,
    PUBLISH_NOTICES,
    VIEW_ZONES,
    VIEW_COMMAND,
}
CAPABILITIES: dict[str, frozenset[str]] = {
    CITY_STAFF: frozenset(_STAFF | {DECIDE_ZONES}),
    DISTRICT_STAFF: frozenset(_STAFF | {HANDLE_APPEALS, IMPORT_HOTLINE, DECIDE_ZONES}),
    # Street staff coordinate door-to-door work and need to call residents.
    STREET_STAFF: frozenset(
        _STAFF
        | {SEE_FULL_PII, VIEW_HEALTH, MANAGE_VOLUNTEERS, ENTER_APPEALS, HANDLE_APPEALS, IMPORT_HOTLINE, DECIDE_ZONES}
    ),
    COMMUNITY_WORKER: frozenset(
        _STAFF
        | {EDIT_RESIDENTS, IMPORT_RESIDENTS, SEE_FULL_PII, VIEW_HEALTH, EDIT_PLACES, COLLECT_SAMPLES, HANDLE_RECALLS}
        | {MANAGE_VOLUNTEERS, CONFIRM_HOURS}
        | {ORDER_SUPPLIES, MANAGE_SUPPLIES}
        | {ENTER_APPEALS, HANDLE_APPEALS, IMPORT_HOTLINE, TELL_NOTICES, PRINT_DOOR_CODES}
    ),
    GRID_WORKER: frozenset(
        {VIEW_PLACES, VIEW_RESIDENTS, EDIT_RESIDENTS, EXPORT_RESIDENTS, SEE_FULL_PII, VIEW_HEALTH}
        | {VIEW_TESTING, HANDLE_RECALLS}
        | {VIEW_SUPPLIES, ORDER_SUPPLIES}
        | {VIEW_APPEALS, ENTER_APPEALS, HANDLE_APPEALS, VIEW_NOTICES, TELL_NOTICES, VIEW_ZONES, PRINT_DOOR_CODES}
    ),
    BUILDING_LEADER: frozenset(
        {VIEW_PLACES, VIEW_RESIDENTS, VIEW_HEALTH, VIEW_SUPPLIES, ORDER_SUPPLIES}
        | {VIEW_APPEALS, ENTER_APPEALS, VIEW_NOTICES, TELL_NOTICES, PRINT_DOOR_CODES}
    ),
    VOLUNTEER: frozenset({SERVE, DELIVER}),
    COLLECTOR: frozenset({VIEW_PLACES, VIEW_RESIDENTS, COLLECT_SAMPLES}),
    LAB: frozenset({RECORD_RESULTS}),
}


def role_can(role: str, capability: str) -> bool:
    """True when the role carries the capability."""
    return capability in CAPABILITIES.get(role, frozenset())


def level_of_code(code: str) -> str:
    """The level of an official area code: 4 digits city, 6 district, 9 street, 12 community."""
    return {4: "city", 6: "district", 9: "street", 12: "community"}.get(len(code), "unknown")


def role_fits_level(role: str, level: str) -> bool:
    """A role may only be held on an area of its own level (a lab on any level)."""
    wanted = ROLE_LEVEL.get(role)
    return wanted == "any" or wanted == level
