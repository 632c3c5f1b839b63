"""Admin for reference data only; residents are changed through services and pages. Read-only and
scoped to the user's areas, like every other view."""

from django.contrib import admin

from gongzhi.core import roles
from gongzhi.core.admin import ScopedReadOnlyAdmin
from gongzhi.people.models import Resident


@admin.register(Resident)
class ResidentAdmin(ScopedReadOnlyAdmin):
    capability = roles.VIEW_RESIDENTS
    list_display = ("public_id", "name", "community_code")
    search_fields = ("name",)
    # Personal numbers, and the birth date that would give a masked ID number away, stay out.
    exclude = ("id_number", "phone", "birth_date")
