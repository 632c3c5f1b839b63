"""The problem codes of a roster row or file (errors, and the warnings the import goes on with)."""

from gongzhi.people import id_rules

NAME_EMPTY = "name_empty"
NAME_LONG = "name_long"
GRID = "grid"
GRID_EMPTY = "grid_empty"
BUILDING = "building"
BUILDING_EMPTY = "building_empty"
UNIT = "unit"
ROOM_EMPTY = "room_empty"
ROOM_LONG = "room_long"
RELATION_LONG = "relation_long"
NOTES_LONG = "notes_long"
TAGS_UNKNOWN = "tags_unknown"
BIRTH_UNREADABLE = "birth_unreadable"
BIRTH_MISMATCH = "birth_mismatch"
DUPLICATE = "duplicate"
OTHER_COMMUNITY = "other_community"
BUILDING_GRID = "building_grid"
BUILDING_GRID_IN_FILE = "building_grid_in_file"
TAG_UNMAPPED = "tag_unmapped"  # a warning: the import goes on without it
GENDER_UNREADABLE = "gender_unreadable"
GENDER_MISMATCH = "gender_mismatch"
ID_TRUNCATED = "id_truncated"
FORMULA_NO_VALUE = "register_formula"  # a formula cell the file stores no value for (core.xlsx_formulas)
BUILDING_AMBIGUOUS = "building_ambiguous"
COMPOUND_LONG = "compound_long"
# Warnings: said in the preview, the import goes on.
BUILDING_NEW_IN_COMPOUND = "building_new_in_compound"
PHONE_SECOND = "phone_second"
BIRTH_IGNORED = "birth_ignored"
FOOTER_SKIPPED = "footer_skipped"
HIDDEN_ROWS = "hidden_rows"
CODES = (
    NAME_EMPTY, NAME_LONG, GRID, GRID_EMPTY, BUILDING, BUILDING_EMPTY, UNIT, ROOM_EMPTY, ROOM_LONG, RELATION_LONG,
    NOTES_LONG, TAGS_UNKNOWN, BIRTH_UNREADABLE, BIRTH_MISMATCH, DUPLICATE, OTHER_COMMUNITY, BUILDING_GRID,
    BUILDING_GRID_IN_FILE, TAG_UNMAPPED, GENDER_UNREADABLE, GENDER_MISMATCH, ID_TRUNCATED, FORMULA_NO_VALUE,
    BUILDING_AMBIGUOUS, COMPOUND_LONG, BUILDING_NEW_IN_COMPOUND, PHONE_SECOND, BIRTH_IGNORED, FOOTER_SKIPPED,
    HIDDEN_ROWS, *id_rules.CODES,
)  # fmt: skip
# The ID number's problems that mean Excel damaged it: such rows are no duplicates of each other.
EXCEL_DAMAGE = (id_rules.ID_SCIENTIFIC, ID_TRUNCATED)
