from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kam.complaints.models import (
    Complaint,
    ComplaintCategory,
    RootCause,
    SlaOverride,
    SlaTemplate,
)


@admin.register(ComplaintCategory, RootCause)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active", "position")
    list_editable = ("active", "position")


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    list_display = ("number", "account", "subject", "status", "severity", "received_at")
    list_filter = ("status", "severity", "category")
    search_fields = ("number", "account__name", "subject")
    list_select_related = ("account",)
    readonly_fields = ("number",)
    autocomplete_fields = ("account", "stakeholder", "owner")


@admin.register(SlaTemplate)
class SlaTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("account_status", "severity", "acknowledge_hours", "resolve_hours")


@admin.register(SlaOverride)
class SlaOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("account", "severity", "acknowledge_hours", "resolve_hours", "note")
    autocomplete_fields = ("account",)
