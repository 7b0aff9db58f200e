from django.contrib import admin

from kam.core.models import BulkEvent


@admin.register(BulkEvent)
class BulkEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "row_count", "source", "user")
    list_filter = ("source",)
    readonly_fields = [f.name for f in BulkEvent._meta.fields]
