from django.contrib import admin

from servicing.models import ActivityEntry, ApiClient, Holiday, JobItemError, JobRun, TenantSettings


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(TenantSettings)
class TenantSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "payment_cutoff_time", "payment_processing_days", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not TenantSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "business_date",
        "actor_label",
        "action",
        "summary",
        "object_repr",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["summary", "object_repr", "actor_label"]


class JobItemErrorInline(admin.TabularInline):
    model = JobItemError
    extra = 0
    can_delete = False
    readonly_fields = ["item_ref", "message", "created_at"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "business_date", "state", "total", "done", "failed", "started_at"]
    list_filter = ["kind", "state"]
    inlines = [JobItemErrorInline]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Clients are created with `manage.py create_api_client` (it shows the token once)."""

    list_display = ["name", "scopes", "key_prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["name", "user", "key_prefix", "key_hash", "created_at", "last_used_at"]
    fields = ["name", "user", "scopes", "is_active", "key_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
