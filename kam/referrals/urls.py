from django.urls import path

from kam.referrals import views

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
]
