"""At 1440 px a long word wraps instead of widening the page, and a table that does not fit
shows that it scrolls (#15)."""

import pytest

from conftest import browser_login  # the repository root is on sys.path
from kam.cockpit.tests.factories import analysed_portfolio
from kam.complaints.tests.factories import ensure_defaults, make_complaint
from kam.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Reklamations" + "x" * 188


def _document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_long_word_wraps_and_wide_tables_show_that_they_scroll(page, leader):
    ensure_defaults()
    accounts = [AccountFactory(owner=leader, name=f"Kunde {n} GmbH") for n in range(3)]
    analysed_portfolio(accounts, revenues=[400_000, 300_000, 200_000])
    complaint = make_complaint(accounts[0], subject=LONG_WORD)
    page.set_viewport_size({"width": 1440, "height": 900})

    browser_login(page, "leader")
    widths = {}
    for path in ("/complaints/", f"/complaints/{complaint.pk}/", "/cockpit/kpis/"):
        page.goto(page.base_url + path)
        widths[path] = _document_width(page)
    page.goto(page.base_url + "/cockpit/abc/")
    box = page.locator("#result-table").locator("xpath=..")
    fits = page.evaluate("(b) => b.scrollWidth <= b.clientWidth", box.element_handle())
    shows_scrolling = box.get_attribute("data-scrolls") is not None

    assert widths == dict.fromkeys(widths, 1440)
    assert fits or shows_scrolling
