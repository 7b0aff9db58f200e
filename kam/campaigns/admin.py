"""Read-only admin for the proof records: append-only means no change and no delete here."""

from django.contrib import admin

from kam.campaigns.models import ConsentRecord, ConsentWording, OutboxMail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("stakeholder", "channel", "purpose", "status", "legal_basis", "recorded_at")
    list_filter = ("channel", "purpose", "status", "legal_basis")
    list_select_related = ("stakeholder",)


@admin.register(ConsentWording)
class ConsentWordingAdmin(ReadOnlyAdmin):
    list_display = ("purpose", "version", "created_at")


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "to_email", "kind", "status", "sent_at")
    list_filter = ("kind", "status")
