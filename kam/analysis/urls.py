from django.urls import path

from kam.analysis import views

app_name = "analysis"
urlpatterns = [
    path("", views.proposal_list, name="proposals"),
    path("settings/", views.analysis_settings, name="settings"),
    path("run/", views.run_now, name="run_now"),
    path("proposals/<int:pk>/confirm/", views.proposal_confirm, name="proposal_confirm"),
    path("proposals/<int:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("accounts/<int:pk>/rating/", views.rating_edit, name="rating"),
    path("forecast/", views.forecast_quality, name="forecast_quality"),
    path("forecast/<int:pk>/", views.forecast_quality, name="forecast_quality_run"),
]
