from django.urls import path

from kam.activities import plan_views, views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("agenda/", views.agenda, name="agenda"),
    path("coverage/", views.coverage_overview, name="coverage"),
    path("cadence/", views.cadence_rules, name="cadence_rules"),
    path("calendar-feed/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_update, name="update"),
    path("<int:pk>/delete/", views.activity_delete, name="delete"),
    path("<int:pk>/next-step-done/", views.next_step_done, name="next_step_done"),
    path("account/<int:pk>/new/", views.activity_create, name="create"),
    path("account/<int:pk>/quick/", views.activity_quick_create, name="quick_create"),
    path("account/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("account/<int:pk>/cadence/", views.account_cadence, name="account_cadence"),
    path(
        "account/<int:pk>/stakeholders/<int:stakeholder_pk>/owner/",
        views.relationship_owner,
        name="relationship_owner",
    ),
    path("account/<int:pk>/plan/", plan_views.account_plan, name="account_plan"),
    path("account/<int:pk>/plan/new/", plan_views.plan_create, name="plan_create"),
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/<int:plan_pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_pk>/edit/", plan_views.plan_update, name="plan_update"),
    path("plans/<int:plan_pk>/print/", plan_views.plan_print, name="plan_print"),
    path("plans/<int:plan_pk>/reviews/new/", plan_views.review_create, name="review_create"),
    path("plans/<int:plan_pk>/<str:kind>/new/", plan_views.plan_item_create, name="item_create"),
    path(
        "plans/<int:plan_pk>/<str:kind>/<int:item_pk>/edit/",
        plan_views.plan_item_update,
        name="item_update",
    ),
    path(
        "plans/<int:plan_pk>/<str:kind>/<int:item_pk>/delete/",
        plan_views.plan_item_delete,
        name="item_delete",
    ),
]
