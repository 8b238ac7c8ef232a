from django.contrib import admin

from creneau.core.models import ApiToken, AuditEvent, Company, OutboxAttachment, OutboxEmail


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "siret", "city"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """No adding nor editing here: tokens are created and revoked in Mon compte and
    Paramètres > Jetons d'API, through the services that write the history. (Deleting
    stays, so that deleting a user here is not blocked by its tokens.)"""

    list_display = ["name", "user", "created_at", "expires_on", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OutboxAttachmentInline(admin.TabularInline):
    model = OutboxAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["filename", "mimetype", "size", "file"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read only: the E-mails screen (Paramètres) is where a person re-sends one."""

    list_display = ["created_at", "status", "subject", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "related_repr"]
    inlines = [OutboxAttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
