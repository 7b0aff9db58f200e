from django.urls import path

from kam.referrals import potential_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/<int:pk>/", views.referral_create, name="create"),
    path("network/", views.referral_network, name="network"),
    path("network/data/", views.referral_network_data, name="network_data"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/delete/", views.referral_delete, name="delete"),
    path("references/", views.reference_search, name="references"),
    path("references/<int:pk>/profile/", views.reference_profile_edit, name="profile"),
    path(
        "references/<int:pk>/requests/new/", views.reference_request_create, name="request_create"
    ),
    path("whitespace/<int:pk>/", potential_views.whitespace, name="whitespace"),
    path(
        "whitespace/<int:pk>/<int:group_pk>/",
        potential_views.whitespace_cell,
        name="whitespace_cell",
    ),
    path("competitors/", potential_views.competitor_list, name="competitors"),
    path("competitors/new/", potential_views.competitor_edit, name="competitor_create"),
    path("competitors/<int:pk>/", potential_views.competitor_edit, name="competitor_update"),
]
