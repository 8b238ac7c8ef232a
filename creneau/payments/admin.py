from django.contrib import admin

from creneau.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments are recorded, allocated and reversed through their services."""

    list_display = ["__str__", "customer", "method", "date", "amount", "reversal_of"]
    list_filter = ["method"]
    search_fields = ["reference", "customer__name", "customer__code"]
    list_select_related = ["customer"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
