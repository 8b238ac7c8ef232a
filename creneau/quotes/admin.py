from django.contrib import admin

from creneau.quotes.models import Quote, QuoteLine


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    fields = ["position", "line_type", "service", "description", "quantity", "unit_price",
              "vat_rate", "discount_percent", "net"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Read-only: quotes are written through their services (numbering, freezing, audit)."""

    list_display = ["__str__", "customer", "status", "date", "validity_date", "total_gross"]
    list_filter = ["status"]
    search_fields = ["number", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    inlines = [QuoteLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Quote._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
