from django.urls import path

from kam.profitability import views

app_name = "profitability"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("accounts/", views.ranking, name="ranking"),
    path("served/", views.served, name="served"),
    path("cockpit/", views.cockpit_panel, name="cockpit_panel"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
    path("accounts/<int:pk>/", views.account_statement, name="account"),
    path("accounts/<int:pk>/<int:year>/<int:month>/", views.account_month, name="month"),
    path("rates/", views.rates, name="rates"),
    path("rates/new/", views.rates_create, name="rates_create"),
    path("rates/<int:pk>/", views.rates_update, name="rates_update"),
    path("rates/<int:pk>/delete/", views.rates_delete, name="rates_delete"),
]
