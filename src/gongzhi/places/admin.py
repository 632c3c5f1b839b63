from django.contrib import admin

from gongzhi.core.admin import ScopedReadOnlyAdmin
from gongzhi.places.models import Area, Building, Grid, Household


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    """The official code tree is loaded by `gongzhi load-areas`; the admin only reads it."""

    list_display = ("code", "name", "level")
    list_filter = ("level",)
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grid)
class GridAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "community_code", "number")


@admin.register(Building)
class BuildingAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "community_code", "number", "address")


@admin.register(Household)
class HouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ("address", "community_code")
    exclude = ("door_key",)  # the door code's secret: drawn only where codes are printed
