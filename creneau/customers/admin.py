from django.contrib import admin

from creneau.customers.models import Contact, Customer, Family, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "city", "sales_rep", "is_active"]
    list_filter = ["kind", "is_active", "family"]
    search_fields = ["code", "name", "email"]
    inlines = [SiteInline]


admin.site.register(Family)
admin.site.register(Contact)
