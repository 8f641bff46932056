from django.contrib import admin

from loans.models import IndexSource, IndexValue, Investor, Product


@admin.register(Investor)
class InvestorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default"]
    search_fields = ["code", "name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "day_count",
        "payment_frequency",
        "payment_hierarchy",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(IndexSource)
class IndexSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "refresh_frequency", "is_active"]
    list_filter = ["refresh_frequency", "is_active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Loans name their index by code (Loan.index_code): a saved code stays.
        return ["code"] if obj is not None else []


@admin.register(IndexValue)
class IndexValueAdmin(admin.ModelAdmin):
    """Read-only: values are recorded on Ops > Indexes or the API, where the backdating
    window applies and the activity log records them; a value is never edited."""

    list_display = ["source", "effective_from", "value", "entered_by_label", "entered_at"]
    list_filter = ["source"]
    list_select_related = ["source"]
    date_hierarchy = "effective_from"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
