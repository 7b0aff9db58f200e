from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kam.users.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "manager", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    list_select_related = ("manager",)
    autocomplete_fields = ("manager",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Sales"), {"fields": ("role", "manager", "language")}),
    )
