"""The handling effort booked on a complaint: the edit and resolve forms, and the refresh of
the account's cost drivers when it changes."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from kam.complaints import services
from kam.complaints.forms import ComplaintEditForm, ResolutionForm
from kam.complaints.models import Complaint, Status
from kam.complaints.tests.factories import make_complaint, root_cause
from kam.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(alice) -> Complaint:
    return make_complaint(AccountFactory(owner=alice), alice)


def _edit_data(complaint: Complaint, hours: str) -> dict:
    return {
        "subject": complaint.subject,
        "channel": complaint.channel,
        "category": complaint.category_id,
        "severity": complaint.severity,
        "description": complaint.description,
        "affected_value": "1.250,00",
        "goodwill_amount": "0",
        "handling_hours": hours,
    }


def test_the_editor_books_hours_as_germans_type_them(client, alice, complaint):
    client.force_login(alice)

    response = client.post(
        reverse("complaints:update", args=[complaint.pk]), _edit_data(complaint, "2,5")
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.handling_hours == Decimal("2.50")


def test_empty_hours_mean_not_booked(client, alice, complaint):
    client.force_login(alice)
    client.post(reverse("complaints:update", args=[complaint.pk]), _edit_data(complaint, ""))
    complaint.refresh_from_db()
    assert complaint.handling_hours is None


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-1", "Bearbeitungsaufwand in Stunden zwischen 0 und 1.000"),
        ("1001", "Bearbeitungsaufwand in Stunden zwischen 0 und 1.000"),
        ("2,555", "höchstens zwei Nachkommastellen"),
        ("zwei", "als Zahl von Stunden"),
    ],
)
def test_the_edit_form_refuses_impossible_hours_in_german(client, alice, complaint, hours, message):
    client.force_login(alice)

    response = client.post(
        reverse("complaints:update", args=[complaint.pk]), _edit_data(complaint, hours)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["handling_hours"])
    complaint.refresh_from_db()
    assert complaint.handling_hours is None


def test_both_forms_offer_the_hours(complaint):
    edit = ComplaintEditForm(instance=complaint, account=complaint.account)
    assert edit.fields["handling_hours"].label == "Bearbeitungsaufwand (Stunden)"
    assert "handling_hours" in ResolutionForm(instance=complaint).fields


def test_the_model_refuses_hours_outside_the_range(complaint):
    from django.core.exceptions import ValidationError

    for hours in (Decimal("-1"), Decimal("1001")):
        with pytest.raises(ValidationError) as refused:
            services.complaint_update(complaint=complaint, data={"handling_hours": hours})
        assert "zwischen 0 und 1.000" in str(refused.value.message_dict["handling_hours"])


def test_booking_hours_reports_changed_cost_drivers(complaint, monkeypatch):
    reported = []
    monkeypatch.setattr(services, "cost_drivers_changed", lambda **kw: reported.append(kw))

    services.complaint_update(complaint=complaint, data={"handling_hours": Decimal("2.5")})
    services.complaint_update(complaint=complaint, data={"handling_hours": Decimal("2.50")})

    assert reported == [{"account_id": complaint.account_id, "days": [_day(complaint)]}]


def test_hours_booked_when_closing_report_changed_cost_drivers(complaint, monkeypatch):
    for step in (Status.ACKNOWLEDGED, Status.IN_ANALYSIS, Status.SOLUTION_PROPOSED):
        services.complaint_transition(complaint=complaint, to_status=step, user=None)
    services.complaint_transition(complaint=complaint, to_status=Status.RESOLVED, user=None)
    reported = []
    monkeypatch.setattr(services, "cost_drivers_changed", lambda **kw: reported.append(kw))

    services.complaint_transition(
        complaint=complaint,
        to_status=Status.CLOSED,
        user=None,
        resolution={
            "root_cause": root_cause(),
            "remedy_given": "Ersatzlieferung",
            "handling_hours": Decimal("4"),
        },
    )

    assert reported == [{"account_id": complaint.account_id, "days": [_day(complaint)]}]
    complaint.refresh_from_db()
    assert complaint.handling_hours == Decimal("4")


def _day(complaint: Complaint):
    from django.utils import timezone

    return timezone.localdate(complaint.received_at)


def test_the_detail_page_shows_the_hours_booked(client, alice, complaint):
    services.complaint_update(complaint=complaint, data={"handling_hours": Decimal("2.5")})
    client.force_login(alice)

    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    assert 'data-field="handling_hours">2,50</dd>' in page


def test_the_api_shows_the_hours_booked_and_null_where_none_are(client, alice, complaint):
    other = make_complaint(complaint.account, alice)
    services.complaint_update(complaint=complaint, data={"handling_hours": Decimal("2.5")})
    client.force_login(alice)

    one = client.get(f"/api/complaints/{complaint.pk}").json()
    listed = client.get("/api/complaints/").json()["items"]

    assert one["handling_hours"] == "2.50"
    assert {item["id"]: item["handling_hours"] for item in listed} == {
        complaint.pk: "2.50",
        other.pk: None,
    }


def test_the_demo_books_plausible_hours_on_part_of_the_handled_complaints(db):
    call_command("demo", "--accounts", "40", "--seed", "5", stdout=io.StringIO())
    handled = Complaint.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    hours = list(handled.exclude(handling_hours=None).values_list("handling_hours", flat=True))

    assert 0 < len(hours) < handled.count()
    assert all(Decimal("0.5") <= h <= Decimal("16") and h * 4 == int(h * 4) for h in hours)
    assert not Complaint.objects.exclude(status__in=[Status.RESOLVED, Status.CLOSED]).exclude(
        handling_hours=None
    )
