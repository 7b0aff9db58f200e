"""The complaint pages as users meet them."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.template.loader import render_to_string
from django.urls import reverse

from kam.complaints import satisfaction, services
from kam.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    RootCause,
    SlaTemplate,
    Status,
)
from kam.complaints.panels import account_panels
from kam.complaints.tests.factories import category, make_complaint, pdf_upload, root_cause
from kam.complaints.validators import MAX_ATTACHMENT_BYTES
from kam.testing.factories import AccountFactory, StakeholderFactory


@pytest.fixture
def account(alice):
    return AccountFactory(owner=alice, name="Bergmann Maschinenbau")


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_list_shows_only_visible_complaints_and_searches(logged_in, account, carol):
    mine = make_complaint(account)
    make_complaint(AccountFactory(owner=carol))

    everything = logged_in.get(reverse("complaints:list"))
    by_number = logged_in.get(reverse("complaints:list"), {"q": mine.number})
    by_account = logged_in.get(reverse("complaints:list"), {"q": "bergmann"})

    assert [c.pk for c in everything.context["page"]] == [mine.pk]
    assert [c.pk for c in by_number.context["page"]] == [mine.pk]
    assert [c.pk for c in by_account.context["page"]] == [mine.pk]


def test_list_filters_by_status_severity_category_and_sorts(logged_in, account):
    low = make_complaint(account, severity="low", affected_value=Decimal("10"))
    high = make_complaint(
        account, severity="high", category_code="invoice_error", affected_value=Decimal("99")
    )
    services.complaint_transition(complaint=high, to_status=Status.ACKNOWLEDGED, user=None)

    def pks(**params):
        return [c.pk for c in logged_in.get(reverse("complaints:list"), params).context["page"]]

    assert pks(status="acknowledged") == [high.pk]
    assert pks(severity="low") == [low.pk]
    assert pks(category=str(category("invoice_error").pk)) == [high.pk]
    assert pks(sort="-value") == [high.pk, low.pk]
    assert pks(sort="value") == [low.pk, high.pk]


def test_list_filters_overdue(logged_in, account):
    late = make_complaint(account)
    Complaint.objects.filter(pk=late.pk).update(resolve_due="2020-01-01T00:00:00Z")
    make_complaint(account)

    response = logged_in.get(reverse("complaints:list"), {"overdue": "1"})

    assert [c.pk for c in response.context["page"]] == [late.pk]
    assert "überfällig" in response.content.decode()


def test_list_shows_an_empty_state(logged_in):
    response = logged_in.get(reverse("complaints:list"), {"q": "nichts"})

    assert "Keine Reklamationen gefunden" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    logged_in, account, django_assert_max_num_queries
):
    for _ in range(25):
        make_complaint(account)

    with django_assert_max_num_queries(12):
        response = logged_in.get(reverse("complaints:list"))

    assert len(response.context["page"]) == 25


def test_a_complaint_on_another_managers_account_is_not_found(logged_in, carol):
    foreign = make_complaint(AccountFactory(owner=carol))

    assert logged_in.get(reverse("complaints:detail", args=[foreign.pk])).status_code == 404


def test_create_from_the_account_panel_preselects_the_account(logged_in, account, alice):
    stakeholder = StakeholderFactory(account=account)
    url = reverse("complaints:create") + f"?account={account.pk}"

    page = logged_in.get(url)
    response = logged_in.post(
        url,
        {
            "account": account.pk,
            "subject": "Falsche Menge",
            "channel": "phone",
            "category": category("wrong_delivery").pk,
            "severity": "high",
            "description": "20 statt 200 Stück",
            "affected_value": "480,50",
            "stakeholder": stakeholder.pk,
            "owner": alice.pk,
        },
    )

    assert account.name in page.content.decode()
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "complaints:detail", args=[complaint.pk]
    )
    assert complaint.account == account and complaint.affected_value == Decimal("480.50")


def test_create_refuses_bad_input_with_a_german_message(logged_in, account):
    response = logged_in.post(
        reverse("complaints:create") + f"?account={account.pk}",
        {"account": account.pk, "subject": "", "affected_value": "viel"},
    )

    form = response.context["form"]
    assert response.status_code == 200 and Complaint.objects.count() == 0
    assert "subject" in form.errors and "affected_value" in form.errors
    assert "Zahl" in str(form.errors["affected_value"])


def test_the_account_panel_lists_the_complaints_with_figures(rf, alice, account):
    complaint = make_complaint(account)
    request = rf.get("/")
    request.user = alice

    (panel,) = account_panels(request, account)
    page = render_to_string(panel.template, {"panel": panel, "account": account}, request)

    assert panel.badge == "1"
    assert complaint.number in page and "Offene Reklamationen" in page
    assert f"?account={account.pk}" in page  # record a complaint with the account preselected


def test_detail_shows_only_valid_next_steps(logged_in, account):
    complaint = make_complaint(account)

    page = logged_in.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    assert "Eingang bestätigen" in page
    assert "Als gelöst markieren" not in page and "Abschließen" not in page


def test_an_invalid_step_posted_by_hand_is_refused_with_a_message(logged_in, account):
    complaint = make_complaint(account)

    response = logged_in.post(
        reverse("complaints:transition", args=[complaint.pk]), {"to": "closed"}, follow=True
    )

    assert "kann nicht nach" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED


def close_through_page(client, complaint, **data) -> str:
    for step in ("acknowledged", "in_analysis", "solution_proposed", "resolved"):
        client.post(reverse("complaints:transition", args=[complaint.pk]), {"to": step})
    response = client.post(
        reverse("complaints:transition", args=[complaint.pk]),
        {"to": "closed", "goodwill_amount": "0", **data},
        follow=True,
    )
    return response.content.decode()


def test_closing_without_root_cause_names_the_missing_field(logged_in, account):
    complaint = make_complaint(account)

    page = close_through_page(logged_in, complaint, root_cause="", remedy_given="")

    assert "Ursache" in page
    assert Complaint.objects.get(pk=complaint.pk).status == Status.RESOLVED


def test_closing_sends_the_satisfaction_question_to_the_stakeholder(
    logged_in, account, django_capture_on_commit_callbacks
):
    stakeholder = StakeholderFactory(account=account, email="einkauf@kunde.example")
    complaint = make_complaint(account, stakeholder=stakeholder)

    with django_capture_on_commit_callbacks(execute=True):
        close_through_page(
            logged_in, complaint, root_cause=root_cause().pk, remedy_given="Gutschrift"
        )

    assert Complaint.objects.get(pk=complaint.pk).status == Status.CLOSED
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["einkauf@kunde.example"]
    assert "/complaints/satisfaction/" in mail.outbox[0].body


@pytest.fixture
def closed_complaint(account):
    complaint = make_complaint(account)
    for step in ("acknowledged", "in_analysis", "solution_proposed", "resolved"):
        complaint = services.complaint_transition(complaint=complaint, to_status=step, user=None)
    return services.complaint_transition(
        complaint=complaint,
        to_status="closed",
        user=None,
        resolution={"root_cause": root_cause(), "remedy_given": "Ersatz"},
    )


def test_the_customer_answers_through_the_signed_link_without_login(client, closed_complaint):
    url = reverse("complaints:satisfaction", args=[satisfaction.make_token(closed_complaint)])

    form = client.get(url)
    answer = client.post(url, {"satisfied": "yes", "comment": "Schnell gelöst"})
    again = client.post(url, {"satisfied": "no"})

    assert form.status_code == 200 and "zufrieden" in form.content.decode()
    assert "Vielen Dank" in answer.content.decode()
    closed_complaint.refresh_from_db()
    assert closed_complaint.satisfied is True  # the second answer did not overwrite it
    assert closed_complaint.satisfaction_comment == "Schnell gelöst"
    assert again.status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: signing.dumps({"complaint": 1, "number": "x"}, salt="other"),
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused_with_a_friendly_page(client, closed_complaint, tamper):
    token = tamper(satisfaction.make_token(closed_complaint))

    response = client.post(reverse("complaints:satisfaction", args=[token]), {"satisfied": "no"})

    assert response.status_code == 400
    assert "nicht (mehr) gültig" in response.content.decode()
    closed_complaint.refresh_from_db()
    assert closed_complaint.satisfied is None


def test_an_expired_link_is_refused(client, closed_complaint):
    import time_machine

    token = satisfaction.make_token(closed_complaint)
    with time_machine.travel(closed_complaint.closed_at + satisfaction.MAX_AGE * 1.1, tick=False):
        response = client.get(reverse("complaints:satisfaction", args=[token]))

    assert response.status_code == 400


def upload(client, complaint, file):
    return client.post(
        reverse("complaints:attachment_add", args=[complaint.pk]), {"file": file}, follow=True
    )


def test_an_attachment_is_uploaded_and_downloaded_through_the_visibility_check(
    logged_in, client, account, carol
):
    complaint = make_complaint(account)

    upload(logged_in, complaint, pdf_upload("Lieferschein.pdf"))
    attachment = ComplaintAttachment.objects.get()
    url = reverse("complaints:attachment_download", args=[complaint.pk, attachment.pk])
    download = logged_in.get(url)
    client.force_login(carol)

    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "Lieferschein.pdf" in download["Content-Disposition"]
    assert client.get(url).status_code == 404


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_office_and_text_files_are_accepted(logged_in, account):
    complaint = make_complaint(account)

    upload(logged_in, complaint, pdf_upload("Bericht.docx", docx_bytes()))
    upload(logged_in, complaint, pdf_upload("notiz.txt", "Grüße aus Köln".encode()))

    assert ComplaintAttachment.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "nicht erlaubt"),
        ("rechnung.pdf", b"MZ\x90\x00 not a pdf", "passt nicht"),
        ("tabelle.xlsx", docx_bytes(), "passt nicht"),
        ("riesig.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "zu groß"),
    ],
)
def test_wrong_or_too_big_attachments_are_refused_with_a_clear_message(
    logged_in, account, name, content, message
):
    complaint = make_complaint(account)

    response = upload(logged_in, complaint, pdf_upload(name, content))

    assert message in response.content.decode()
    assert "Anhang" in response.content.decode()
    assert ComplaintAttachment.objects.count() == 0


def test_the_analysis_page_shows_the_pareto_table(logged_in, closed_complaint):
    response = logged_in.get(reverse("complaints:analysis"))

    page = response.content.decode()
    assert response.context["causes"][0].label == "Transport"
    assert 'id="table-causes"' in page and "Transport" in page
    assert "vendor/echarts/echarts.min.js" in page


def test_the_analysis_refuses_a_bad_date_with_a_message(logged_in):
    response = logged_in.get(reverse("complaints:analysis"), {"since": "gestern"})

    assert response.status_code == 200
    assert "Von: Bitte ein Datum" in response.content.decode()


def test_leadership_changes_the_sla_grid(client, leader):
    client.force_login(leader)
    form = client.get(reverse("complaints:sla_settings")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["ack_strategic_critical"], data["res_strategic_critical"] = 1, 9

    response = client.post(reverse("complaints:sla_settings"), data)

    assert response.status_code == 302
    template = SlaTemplate.objects.get(account_status="strategic", severity="critical")
    assert (template.acknowledge_hours, template.resolve_hours) == (1, 9)


def test_the_sla_grid_refuses_a_resolution_faster_than_the_acknowledgement(client, leader):
    client.force_login(leader)
    form = client.get(reverse("complaints:sla_settings")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["ack_none_low"], data["res_none_low"] = 50, 10

    response = client.post(reverse("complaints:sla_settings"), data)

    assert response.status_code == 200
    assert "Lösungszeit darf nicht kürzer" in response.content.decode()


def test_an_sla_agreement_needs_a_visible_customer_number(client, leader):
    client.force_login(leader)

    response = client.post(
        reverse("complaints:sla_override_create"),
        {
            "customer_number": "gibt-es-nicht",
            "severity": "high",
            "acknowledge_hours": 1,
            "resolve_hours": 5,
        },
    )

    assert "keinen sichtbaren Kunden" in response.content.decode()


def test_delete_needs_confirmation_and_leadership(client, leader, account):
    complaint = make_complaint(account)
    client.force_login(leader)

    confirm = client.get(reverse("complaints:delete", args=[complaint.pk]))
    client.post(reverse("complaints:delete", args=[complaint.pk]))

    assert "wirklich" in confirm.content.decode().lower()
    assert not Complaint.objects.exists()


def test_the_account_panel_costs_three_queries_however_many_complaints(
    rf, alice, account, django_assert_max_num_queries
):
    for _ in range(15):
        make_complaint(account)
    request = rf.get("/")
    request.user = alice

    with django_assert_max_num_queries(3):
        (panel,) = account_panels(request, account)

    assert len(panel.context["account_complaints"]) == 15


# --- categories and root causes --------------------------------------------------------------


@pytest.fixture
def leading(client, leader):
    client.force_login(leader)
    return client


def _category_choices(client, account) -> list[str]:
    form = client.get(reverse("complaints:create") + f"?account={account.pk}").context["form"]
    return [str(choice) for choice in form.fields["category"].queryset]


def test_a_leader_adds_a_category_that_new_complaints_then_offer(leading, account):
    response = leading.post(
        reverse("complaints:taxonomy_create", args=["categories"]),
        {"categories-name": "  Verpackung beschädigt ", "categories-position": "5"},
        follow=True,
    )

    added = ComplaintCategory.objects.get(name="Verpackung beschädigt")
    assert added.code == "verpackung-beschadigt" and added.active and added.position == 5
    assert "„Verpackung beschädigt“ hinzugefügt." in response.content.decode()
    assert "Verpackung beschädigt" in _category_choices(leading, account)


def test_a_deactivated_category_is_not_offered_but_stays_on_old_complaints(leading, account, alice):
    used = category("wrong_delivery")
    complaint = make_complaint(account, alice, category=used)
    url = reverse("complaints:taxonomy_update", args=["categories", used.pk])

    response = leading.post(url, {"name": used.name, "position": used.position})

    assert response.status_code == 302
    used.refresh_from_db()
    assert not used.active
    assert used.name not in _category_choices(leading, account)
    edit = leading.get(reverse("complaints:update", args=[complaint.pk])).context["form"]
    assert used in edit.fields["category"].queryset


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Dieses Feld ist zwingend erforderlich."), ("transport", "Einen Eintrag mit diesem")],
)
def test_an_entry_without_a_name_or_with_a_taken_one_is_refused(leading, name, message):
    before = RootCause.objects.count()

    response = leading.post(
        reverse("complaints:taxonomy_create", args=["causes"]),
        {"causes-name": name, "causes-position": "1"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert RootCause.objects.count() == before


def test_the_settings_menu_is_shown_to_leaders_only(leading, client, alice):
    menu = reverse("complaints:lists")

    assert menu in leading.get(reverse("complaints:list")).content.decode()
    client.force_login(alice)
    assert menu not in client.get(reverse("complaints:list")).content.decode()


def test_renaming_to_a_taken_name_is_refused_and_keeps_the_stored_one(leading):
    cause = RootCause.objects.get(code="production")
    url = reverse("complaints:taxonomy_update", args=["causes", cause.pk])

    response = leading.post(url, {"name": "transport", "position": "4", "active": "on"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Einen Eintrag mit diesem Namen gibt es schon." in page
    assert f": {cause.name}</h1>" in page
    cause.refresh_from_db()
    assert cause.name != "transport"
