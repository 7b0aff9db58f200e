from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kam.analysis.models import AccountRating, AnalysisRun, AnalysisSettings, StatusProposal


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ("id", "as_of", "status", "trigger", "account_count", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = [field.name for field in AnalysisRun._meta.fields]


@admin.register(AnalysisSettings)
class AnalysisSettingsAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "updated_at")


@admin.register(AccountRating)
class AccountRatingAdmin(SimpleHistoryAdmin):
    list_display = ("account", "potential", "strategic_fit", "updated_by", "updated_at")
    search_fields = ("account__name", "account__customer_number")
    autocomplete_fields = ("account",)


@admin.register(StatusProposal)
class StatusProposalAdmin(admin.ModelAdmin):
    list_display = ("account", "from_status", "to_status", "state", "created_at", "decided_by")
    list_filter = ("state", "to_status")
    search_fields = ("account__name", "account__customer_number")
    raw_id_fields = ("account", "run", "decided_by")
