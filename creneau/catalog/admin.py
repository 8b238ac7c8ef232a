from django.contrib import admin

from creneau.catalog.models import Service, ServiceImage, SitePrice, VatRate


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ["label", "rate", "exemption_wording", "position", "is_active"]


class ServiceImageInline(admin.TabularInline):
    model = ServiceImage
    extra = 0
    fields = ["image", "position", "width", "height"]
    readonly_fields = ["image", "width", "height"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # images are checked and re-encoded by service_image_add (the page)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "unit", "unit_price", "vat_rate", "is_personal_service",
                    "is_active"]  # fmt: skip
    list_filter = ["is_active", "is_personal_service", "unit", "vat_rate"]
    search_fields = ["code", "label"]
    inlines = [ServiceImageInline]


@admin.register(SitePrice)
class SitePriceAdmin(admin.ModelAdmin):
    list_display = ["site", "service", "unit_price", "updated_at"]
    list_select_related = ["site", "service"]
    search_fields = ["site__name", "site__customer__name", "service__code"]
    raw_id_fields = ["site"]
