from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam.api import api
from kam.cockpit import views as cockpit_views
from kam.core import views as core_views

urlpatterns = [
    path("", cockpit_views.cockpit, name="home"),
    path("settings/", core_views.user_settings, name="settings"),
    path("settings/", include("kam.users.urls")),
    path("health/", core_views.health, name="health"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kam.accounts.urls")),
    path("accounts/list/", include("kam.lists.urls")),
    path("cockpit/", include("kam.cockpit.urls")),
    path("complaints/", include("kam.complaints.urls")),
    path("activities/", include("kam.activities.urls")),
    path("sales/", include("kam.sales.urls")),
    path("analysis/", include("kam.analysis.urls")),
    path("notifications/", include("kam.notifications.urls")),
    path("referrals/", include("kam.referrals.urls")),
    path("campaigns/", include("kam.campaigns.urls")),
    path("conditions/", include("kam.conditions.urls")),
    path("search/", include("kam.search.urls")),
    path("profitability/", include("kam.profitability.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
