from django.contrib import admin

from kam.conditions.models import Agreement, AuthorityRule, Offer, Product, ProductGroup


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "group", "list_price", "active")
    search_fields = ("number", "name")


@admin.register(ProductGroup)
class ProductGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "level")


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "account", "status", "valid_from", "valid_to")
    list_filter = ("status",)
    raw_id_fields = ("account", "source_offer")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("number", "account", "status", "valid_until")
    raw_id_fields = ("account", "stakeholder")


@admin.register(AuthorityRule)
class AuthorityRuleAdmin(admin.ModelAdmin):
    list_display = ("role", "abc_class", "max_discount_percent", "margin_floor_percent")
