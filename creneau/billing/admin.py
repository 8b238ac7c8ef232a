from django.contrib import admin

from creneau.billing.models import Invoice, InvoiceLine, JournalEntry


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["position", "line_type", "site", "description", "quantity", "unit_price",
              "vat_rate_value", "discount_percent", "net"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: invoices are written through their services (numbering, freezing, the
    journal), and an issued one is never changed nor deleted, not even here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "customer", "status", "issue_date", "total_gross"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    inlines = [InvoiceLineInline]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "kind", "invoice", "recorded_at", "hash"]
