from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q

from gongzhi.core.models import ApiToken, AuditEvent, RoleAssignment
from gongzhi.core.scope import scope_q


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    """Read-only admin listing only rows inside the staff user's areas."""

    scope_paths: dict = {}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scope_q(request.user, **self.scope_paths)).distinct()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Operators give roles here; a staff user only sees and gives roles inside their own areas."""

    list_display = ("user", "role", "area_code", "grid", "building")
    list_filter = ("role",)
    search_fields = ("user__username", "area_code")
    raw_id_fields = ("grid", "building")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scope_q(request.user, community_field="area_code"))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "entity", "area_code", "row_count")
    list_filter = ("action",)
    scope_paths = {"community_field": "area_code"}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    readonly_fields = ("name", "user", "last_used_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(UserAdmin):
    """Staff see the accounts holding a role inside their areas (volunteers included), and their own."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        inside = RoleAssignment.objects.filter(scope_q(request.user, community_field="area_code")).values("user_id")
        return rows.filter(Q(pk__in=inside) | Q(pk=request.user.pk))
