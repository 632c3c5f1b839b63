"""The admin, scoped like every page: a staff user sees only rows inside the areas where they hold
the capability those rows need, read-only for area data. Personal fields are neither listed, filtered
nor searched; volunteers' accounts (whose login is their phone number) are left to the volunteer
pages, where numbers are masked. Login records (django-axes: every login of the city, with its address
and username) are for superusers only."""

from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from gongzhi.core import access, roles
from gongzhi.core.models import ApiToken, AuditEvent, RoleAssignment, WorkflowEvent
from gongzhi.core.scope import AreaPaths, entries_with, scope_q


class ScopedReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only admin listing only rows inside the areas where the staff user holds `capability` (the
    model's area_paths). A user holding it nowhere may not open the list at all."""

    capability = roles.VIEW_PLACES  # the places of an area; other admins name what their rows need

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        paths: AreaPaths = getattr(self.model, "area_paths", AreaPaths())
        condition = scope_q(request.user, capability=self.capability, paths=paths)
        return super().get_queryset(request).filter(condition).distinct()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        if obj is not None:
            return access.may(request.user, self.capability, obj)
        return bool(request.user.is_superuser or entries_with(request.user, self.capability))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """Only the filters the admin offers (`list_filter`, `date_hierarchy`). Django would take any
        lookup on the model's fields from the query string (`?id_number__startswith=5101`): a guess that
        lists the row would confirm a hidden number or door key, digit by digit. A refused lookup is a
        400."""
        offered = {self.date_hierarchy} if self.date_hierarchy else set()
        for item in self.list_filter:
            if isinstance(item, str):
                offered.add(item)
            elif isinstance(item, tuple | list):
                offered.add(str(item[0]))
            else:  # a SimpleListFilter: its own parameter
                offered.add(getattr(item, "parameter_name", ""))
        return lookup.split("__")[0] in {o.split("__")[0] for o in offered if o} and super().lookup_allowed(
            lookup, value, request
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Operators give roles here; a staff user only sees staff roles inside their own areas."""

    list_display = ("user", "role", "area_code", "grid", "building")
    list_filter = ("role",)
    raw_id_fields = ("grid", "building")

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return ("user__username", "area_code") if request.user.is_superuser else ("area_code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(scope_q(request.user, paths=RoleAssignment.area_paths)).exclude(role=roles.VOLUNTEER)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedReadOnlyAdmin):
    capability = roles.READ_AUDIT
    list_display = ("created_at", "actor_name", "action", "entity", "area_code", "row_count")
    list_filter = ("action",)


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ScopedReadOnlyAdmin):
    capability = roles.READ_AUDIT  # who moved which row when: read as the audit log is
    list_display = ("at", "flow", "row_key", "from_status", "to_status", "actor_name", "area_code", "row_count")
    list_filter = ("flow",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    readonly_fields = ("name", "user", "last_used_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Staff see the staff accounts holding a role inside their areas, and their own."""

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return tuple(self.search_fields) if request.user.is_superuser else ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        inside = RoleAssignment.objects.filter(scope_q(request.user, paths=RoleAssignment.area_paths)).exclude(
            role=roles.VOLUNTEER
        )
        volunteers = RoleAssignment.objects.filter(role=roles.VOLUNTEER).values("user_id")
        return rows.filter(Q(pk__in=inside.values("user_id")) | Q(pk=request.user.pk)).exclude(
            Q(pk__in=volunteers) & ~Q(pk=request.user.pk)
        )


class SuperuserOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Pages for superusers only, whatever permissions a staff user was given."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)


class AccessAttemptAdmin(SuperuserOnlyAdmin, axes_admin.AccessAttemptAdmin):
    pass


class AccessLogAdmin(SuperuserOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(SuperuserOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


# django-axes registers its pages (when AXES_ENABLE_ADMIN) before this app's admin is loaded.
for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
