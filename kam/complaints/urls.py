from django.urls import path

from kam.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("analysis/", views.complaint_analysis, name="analysis"),
    path("handled-accounts/", views.handled_accounts, name="handled_accounts"),
    path("sla/", views.sla_settings, name="sla_settings"),
    path("lists/", views.complaint_lists, name="lists"),
    path("lists/<str:kind>/new/", views.taxonomy_create, name="taxonomy_create"),
    path("lists/<str:kind>/<int:pk>/", views.taxonomy_update, name="taxonomy_update"),
    path("sla/agreements/new/", views.sla_override_create, name="sla_override_create"),
    path(
        "sla/agreements/<int:override_pk>/delete/",
        views.sla_override_delete,
        name="sla_override_delete",
    ),
    path("satisfaction/<str:token>/", views.satisfaction_survey, name="satisfaction"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/edit/", views.complaint_update, name="update"),
    path("<int:pk>/delete/", views.complaint_delete, name="delete"),
    path("<int:pk>/transition/", views.complaint_transition, name="transition"),
    path("<int:pk>/pause/", views.complaint_pause, name="pause"),
    path("<int:pk>/resume/", views.complaint_resume, name="resume"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
]
