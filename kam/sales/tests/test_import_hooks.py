"""A finished import is announced through the plug-in hook `hooks.on_sales_import_finished`
(kam.core.plugins); the analysis queues a run there, and sales works without it."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

import kam.analysis.hooks
from kam.sales.models import ImportStatus, SalesImport
from kam.sales.tasks import run_sales_import

pytestmark = pytest.mark.django_db

EXPORT = (
    "Kundennummer;Kunde;Rechnungsnummer;Position;Rechnungsdatum;Nettoumsatz\n"
    "10001;Müller GmbH;R-1;1;31.12.2025;1.234,56\n"
)


def _uploaded_import(tmp_path: Path) -> SalesImport:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return SalesImport.objects.create(
        source="ui",
        status=ImportStatus.RUNNING,
        files=[{"name": path.name, "path": str(path)}],
        mapping={"overrides": {}},
    )


def test_a_finished_import_queues_an_analysis_through_the_hook(
    tmp_path, django_capture_on_commit_callbacks
):
    record = _uploaded_import(tmp_path)
    with (
        mock.patch.object(kam.analysis.hooks, "run_analysis") as run_analysis,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_sales_import.call(import_id=record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    run_analysis.enqueue.assert_called_once_with(trigger="import")


def test_the_command_announces_its_import_too(tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    with (
        mock.patch.object(kam.analysis.hooks, "run_analysis") as run_analysis,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("import-sales", str(path))

    run_analysis.enqueue.assert_called_once_with(trigger="import")


def test_a_dry_run_announces_nothing(tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    with (
        mock.patch.object(kam.analysis.hooks, "run_analysis") as run_analysis,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("import-sales", str(path), "--dry-run")

    run_analysis.enqueue.assert_not_called()


def test_without_the_analysis_hook_the_import_finishes(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delattr(kam.analysis.hooks, "on_sales_import_finished")
    record = _uploaded_import(tmp_path)
    with (
        mock.patch.object(kam.analysis.hooks, "run_analysis") as run_analysis,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_sales_import.call(import_id=record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    run_analysis.enqueue.assert_not_called()


def test_a_failing_hook_is_logged_and_the_import_stays_done(
    tmp_path, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    broken = mock.Mock(side_effect=RuntimeError("boom"), __module__="kam.analysis.hooks")
    monkeypatch.setattr(kam.analysis.hooks, "on_sales_import_finished", broken)
    record = _uploaded_import(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        run_sales_import.call(import_id=record.pk)

    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    broken.assert_called_once_with(sales_import=record)
    assert "on_sales_import_finished failed" in caplog.text
