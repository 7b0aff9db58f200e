from django.urls import path

from kam.cockpit import views

app_name = "cockpit"
urlpatterns = [
    path("abc/", views.abc_list, name="abc"),
    path("tomorrow/", views.tomorrow_list, name="tomorrow"),
    path("kpis/", views.kpi_table, name="kpis"),
    path("loss/<int:pk>/", views.loss, name="loss"),
    path("group/<int:pk>/", views.group_figures, name="group_figures"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("charts/abc.json", views.chart_abc, name="chart_abc"),
    path("charts/lorenz.json", views.chart_lorenz, name="chart_lorenz"),
    path("charts/portfolio.json", views.chart_portfolio, name="chart_portfolio"),
    path("charts/kpis.json", views.chart_kpis, name="chart_kpis"),
    path("charts/account/<int:pk>.json", views.chart_account, name="chart_account"),
]
