from django.contrib import admin

from kam.referrals.models import ReferenceProfile, ReferenceRequest, Referral


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["referring_account", "referred_account", "received_on", "status"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["referring_account", "referred_account", "referring_stakeholder", "owner"]


@admin.register(ReferenceProfile)
class ReferenceProfileAdmin(admin.ModelAdmin):
    list_display = ["account", "valid_until", "max_uses_per_quarter"]
    raw_id_fields = ["account"]


@admin.register(ReferenceRequest)
class ReferenceRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "prospect", "kind", "requested_on", "outcome"]
    raw_id_fields = ["reference", "requested_by"]
