from django.urls import path

from kam.campaigns import event_views, gdpr_views, mailing_views, views

app_name = "campaigns"
urlpatterns = [
    path("", mailing_views.mailing_list, name="mailings"),
    path("new/", mailing_views.mailing_edit, name="mailing_create"),
    path("<int:pk>/", mailing_views.mailing_detail, name="mailing_detail"),
    path("<int:pk>/edit/", mailing_views.mailing_edit, name="mailing_update"),
    path("<int:pk>/test/", mailing_views.mailing_test, name="mailing_test"),
    path("<int:pk>/confirm/", mailing_views.mailing_confirm, name="mailing_confirm"),
    path("<int:pk>/approve/", mailing_views.mailing_approve, name="mailing_approve"),
    path("<int:pk>/cancel/", mailing_views.mailing_cancel, name="mailing_cancel"),
    path("segments/", mailing_views.segment_list, name="segments"),
    path("segments/new/", mailing_views.segment_edit, name="segment_create"),
    path("segments/<int:pk>/", mailing_views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", mailing_views.segment_edit, name="segment_update"),
    path("outbox/", mailing_views.outbox_uncertain, name="outbox"),
    path("outbox/<int:pk>/resolve/", mailing_views.outbox_resolve, name="outbox_resolve"),
    path("events/", event_views.event_list, name="events"),
    path("events/new/", event_views.event_edit, name="event_create"),
    path("events/<int:pk>/", event_views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", event_views.event_edit, name="event_update"),
    path("events/<int:pk>/invite/", event_views.event_invite, name="event_invite"),
    path("events/<int:pk>/follow-up/", event_views.event_follow_up, name="event_follow_up"),
    path("events/<int:pk>/checkin/", event_views.event_checkin, name="event_checkin"),
    path("rsvp/<str:token>/", event_views.rsvp, name="rsvp"),
    path("privacy/retention/", gdpr_views.retention_list, name="retention"),
    path("contacts/<int:pk>/privacy/", gdpr_views.privacy_page, name="privacy"),
    path(
        "contacts/<int:pk>/privacy/export.json", gdpr_views.privacy_export_json, name="privacy_json"
    ),
    path("contacts/<int:pk>/privacy/export.pdf", gdpr_views.privacy_export_pdf, name="privacy_pdf"),
    path("wordings/", views.wording_list, name="wordings"),
    path("contacts/<int:pk>/consent/", views.consent_page, name="consent"),
    path("contacts/<int:pk>/consent/add/", views.consent_add, name="consent_add"),
    path("contacts/<int:pk>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("contacts/<int:pk>/consent/proof.pdf", views.consent_proof_pdf, name="consent_pdf"),
    path("confirm/<str:token>/", views.doi_confirm, name="doi"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
