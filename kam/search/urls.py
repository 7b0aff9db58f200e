from django.urls import path

from kam.search import views

app_name = "search"
urlpatterns = [
    path("", views.search_results, name="results"),
    path("suggest/", views.search_suggest, name="suggest"),
    path("pick/accounts/", views.pick_accounts, name="pick_accounts"),
    path("pick/stakeholders/", views.pick_stakeholders, name="pick_stakeholders"),
    path("pick/users/", views.pick_users, name="pick_users"),
]
