"""Accounts that a sales import creates in bulk join the search index through a queued task."""

from unittest import mock

import pytest
from django.core.management import call_command

import kam.search.hooks
from kam.accounts.search import accounts_matching

pytestmark = pytest.mark.django_db

EXPORT = (
    "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"
    "10001;Müller GmbH;R-1;1;31.12.2025;1.234,56\n"
)


def test_the_import_queues_the_indexing_instead_of_waiting_for_it(tmp_path):
    with mock.patch.object(kam.search.hooks, "index_new_accounts") as index_new_accounts:
        kam.search.hooks.on_sales_import_finished(sales_import=None)

    index_new_accounts.enqueue.assert_called_once_with()


def test_an_imported_account_is_found_once_the_task_ran(
    tmp_path, leader, django_capture_on_commit_callbacks
):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import-sales", str(path))  # the tests' task backend runs it at once

    assert [account.customer_number for account, _ in accounts_matching(leader, "muller")] == [
        "10001"
    ]
