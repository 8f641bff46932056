from django.contrib import admin

from loans.models import Investor, Product


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
