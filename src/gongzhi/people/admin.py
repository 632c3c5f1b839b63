"""Admin for reference data only; residents are changed through services and pages. Read-only and
scoped to the user's areas, like every other view."""

from django.contrib import admin

from gongzhi.core.admin import ScopedReadOnlyAdmin
from gongzhi.people.models import Resident


@admin.register(Resident)
class ResidentAdmin(ScopedReadOnlyAdmin):
    list_display = ("public_id", "name", "community_code")
    search_fields = ("name",)
    exclude = ("id_number", "phone")
    scope_paths = {"grid_field": "household__building__grid_id", "building_field": "household__building_id"}
