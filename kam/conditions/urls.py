from django.urls import path

from kam.conditions import offer_views, views

app_name = "conditions"
urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/import/", views.product_import, name="product_import"),
    path("products/missing/", views.products_missing, name="products_missing"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_update, name="agreement_update"),
    path("agreements/<int:pk>/lines/", views.agreement_line_add, name="agreement_line_add"),
    path(
        "agreements/<int:pk>/lines/<int:line_pk>/delete/",
        views.agreement_line_delete,
        name="agreement_line_delete",
    ),
    path("agreements/<int:pk>/bonus/", views.agreement_bonus, name="agreement_bonus"),
    path(
        "agreements/<int:pk>/transition/",
        views.agreement_transition,
        name="agreement_transition",
    ),
    path("resolve/", views.resolve, name="resolve"),
    path("authority/", views.authority_policy, name="authority"),
    path("offers/", offer_views.offer_list, name="offer_list"),
    path("offers/new/", offer_views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", offer_views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", offer_views.offer_update, name="offer_update"),
    path("offers/<int:pk>/lines/", offer_views.offer_line_save, name="offer_line_save"),
    path(
        "offers/<int:pk>/lines/<int:line_pk>/delete/",
        offer_views.offer_line_delete,
        name="offer_line_delete",
    ),
    path("offers/<int:pk>/transition/", offer_views.offer_transition, name="offer_transition"),
    path("offers/<int:pk>/agreement/", offer_views.offer_to_agreement, name="offer_to_agreement"),
    path("offers/<int:pk>/pdf/", offer_views.offer_pdf_download, name="offer_pdf"),
    path("price-check/", offer_views.price_check, name="price_check"),
    path("price-check/<int:pk>/lines/", offer_views.price_check_lines, name="price_check_lines"),
    path("price-check/export.<str:fmt>", offer_views.price_check_export, name="price_check_export"),
]
