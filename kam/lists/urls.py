from django.urls import path

from kam.lists import views

app_name = "lists"
urlpatterns = [
    path("export.<slug:fmt>", views.account_export, name="export"),
    path("views/save/", views.view_save, name="view_save"),
    path("views/<int:pk>/delete/", views.view_delete, name="view_delete"),
    path("bulk/", views.bulk, name="bulk"),
]
