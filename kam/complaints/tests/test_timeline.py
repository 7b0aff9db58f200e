import pytest
from django.urls import reverse

from kam.complaints.tests.factories import make_complaint
from kam.testing.factories import AccountFactory


@pytest.mark.django_db
def test_complaints_appear_on_the_account_timeline(client, alice):
    account = AccountFactory(owner=alice)
    complaint = make_complaint(account, alice, subject="Palette beschädigt")
    client.force_login(alice)

    page = client.get(reverse("activities:timeline", args=[account.pk]), {"kind": "complaint"})

    assert complaint.number in page.content.decode()
    assert "Palette beschädigt" in page.content.decode()
