from django.urls import path

from kam.accounts import views
from kam.lists import views as list_views

app_name = "accounts"
urlpatterns = [
    path("", list_views.account_list, name="list"),  # with figures, views and bulk actions
    path("new/", views.account_create, name="create"),
    path("autocomplete/", views.account_autocomplete, name="autocomplete"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_update, name="update"),
    path("<int:pk>/delete/", views.account_delete, name="delete"),
    path("<int:pk>/team/add/", views.team_add, name="team_add"),
    path("<int:pk>/team/<int:membership_pk>/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/stakeholders/new/", views.stakeholder_edit, name="stakeholder_create"),
    path(
        "<int:pk>/stakeholders/<int:stakeholder_pk>/edit/",
        views.stakeholder_edit,
        name="stakeholder_update",
    ),
    path(
        "<int:pk>/stakeholders/<int:stakeholder_pk>/delete/",
        views.stakeholder_delete,
        name="stakeholder_delete",
    ),
]
