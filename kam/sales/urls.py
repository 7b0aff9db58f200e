from django.urls import path

from kam.sales import views

app_name = "sales"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_start, name="import_start"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("imports/<int:pk>/resume/", views.import_resume, name="import_resume"),
    path(
        "imports/<int:pk>/rejected.csv", views.import_rejections_csv, name="import_rejections_csv"
    ),
]
