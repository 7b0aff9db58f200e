"""The account list's bulk "add to segment" controls, in a real browser."""

import pytest
from django.urls import reverse

from conftest import browser_login  # the repository root is on sys.path
from kam.campaigns.models import Segment
from kam.campaigns.segments import segment_save
from kam.core.models import BulkEvent
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_ticks_accounts_and_adds_them_to_a_new_segment_after_confirming(
    page, alice, carol
):
    chosen = [
        AccountFactory(owner=alice, customer_number="20001", name="Albrecht Armaturen"),
        AccountFactory(owner=alice, customer_number="20002", name="Böhm Getriebe"),
    ]
    left_out = AccountFactory(owner=alice, customer_number="20003", name="Zeller Zerspanung")
    AccountFactory(owner=carol, customer_number="20004", name="Fremdkunde AG")

    browser_login(page, "alice")
    page.goto(page.base_url + reverse("accounts:list"))
    page.check("input[data-check-all='ids']")  # the header box ticks every row (lists.js)
    page.uncheck(f"input[name='ids'][value='{left_out.pk}']")
    page.select_option("#bulk-action", "add_to_segment")
    page.fill("#bulk-segment-name", "Messe Hannover")
    page.click("#bulk-form button[type=submit]")

    confirm = page.locator("#bulk-confirm")
    assert "Messe Hannover" in confirm.inner_text()
    assert "Albrecht Armaturen" in confirm.inner_text()
    assert "Böhm Getriebe" in confirm.inner_text()
    assert "Zeller Zerspanung" not in confirm.inner_text()
    assert not Segment.objects.exists()  # nothing changes before the confirmation
    page.click("#bulk-confirm button:has-text('Ja, ändern')")
    page.wait_for_url(f"{page.base_url}{reverse('accounts:list')}*")

    assert "2 Kunden zum Segment hinzugefügt." in page.inner_text("body")
    segment = Segment.objects.get()
    assert (segment.name, segment.created_by) == ("Messe Hannover", alice)
    assert sorted(segment.filters["accounts"]) == sorted(a.pk for a in chosen)
    assert BulkEvent.objects.get().row_count == 2


def test_the_segment_list_offers_only_segments_the_manager_may_change(page, alice, carol):
    own = segment_save(segment=None, name="Alices Messe", filters={"status": ["none"]}, user=alice)
    segment_save(segment=None, name="Carols Liste", filters={"status": ["none"]}, user=carol)
    account = AccountFactory(owner=alice, name="Albrecht Armaturen")

    browser_login(page, "alice")
    page.goto(page.base_url + reverse("accounts:list"))
    options = page.locator("#bulk-segment option").all_inner_texts()
    page.check(f"input[name='ids'][value='{account.pk}']")
    page.select_option("#bulk-action", "add_to_segment")
    page.select_option("#bulk-segment", str(own.pk))
    page.click("#bulk-form button[type=submit]")
    page.click("#bulk-confirm button:has-text('Ja, ändern')")
    page.wait_for_url(f"{page.base_url}{reverse('accounts:list')}*")

    assert "Alices Messe" in options and "Carols Liste" not in options
    own.refresh_from_db()
    assert own.filters["accounts"] == [account.pk]
