from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kam.activities.models import (
    AccountCadence,
    AccountPlan,
    Activity,
    CadenceRule,
    OverdueNotice,
    PlanAction,
    StakeholderRelationship,
)


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("starts_at", "kind", "status", "subject", "account", "owner")
    list_filter = ("kind", "status")
    search_fields = ("subject", "account__name", "account__customer_number")
    list_select_related = ("account", "owner")
    autocomplete_fields = ("account", "owner", "participants", "stakeholders")
    date_hierarchy = "starts_at"


@admin.register(CadenceRule)
class CadenceRuleAdmin(SimpleHistoryAdmin):
    list_display = ("account_status", "visit_every_days", "contact_every_days")


@admin.register(AccountCadence)
class AccountCadenceAdmin(SimpleHistoryAdmin):
    list_display = ("account", "visit_every_days", "contact_every_days", "reason")
    autocomplete_fields = ("account",)


@admin.register(OverdueNotice)
class OverdueNoticeAdmin(admin.ModelAdmin):
    list_display = ("account", "requirement", "period_start", "recipient", "sent_at")
    list_select_related = ("account", "recipient")


@admin.register(StakeholderRelationship)
class StakeholderRelationshipAdmin(SimpleHistoryAdmin):
    list_display = ("stakeholder", "owner")
    autocomplete_fields = ("stakeholder", "owner")


class PlanActionInline(admin.TabularInline):
    model = PlanAction
    extra = 0


@admin.register(AccountPlan)
class AccountPlanAdmin(SimpleHistoryAdmin):
    list_display = ("title", "account", "status", "valid_from", "next_review_due")
    list_filter = ("status",)
    search_fields = ("title", "account__name")
    autocomplete_fields = ("account",)
    inlines = [PlanActionInline]
