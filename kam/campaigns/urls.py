from django.urls import path

from kam.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("wordings/", views.wording_list, name="wordings"),
    path("contacts/<int:pk>/consent/", views.consent_page, name="consent"),
    path("contacts/<int:pk>/consent/add/", views.consent_add, name="consent_add"),
    path("contacts/<int:pk>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("contacts/<int:pk>/consent/proof.pdf", views.consent_proof_pdf, name="consent_pdf"),
    path("confirm/<str:token>/", views.doi_confirm, name="doi"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
