from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kam.accounts.models import Account, Stakeholder, TeamMembership


class TeamInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Account)
class AccountAdmin(SimpleHistoryAdmin):
    list_display = ("customer_number", "name", "city", "status", "tier", "owner")
    list_filter = ("status", "tier", "country")
    search_fields = ("customer_number", "name")
    list_select_related = ("owner",)
    autocomplete_fields = ("parent", "owner")
    inlines = [TeamInline]


@admin.register(Stakeholder)
class StakeholderAdmin(SimpleHistoryAdmin):
    list_display = ("last_name", "first_name", "account", "position", "buying_role")
    search_fields = ("last_name", "first_name", "email", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account", "reports_to")
