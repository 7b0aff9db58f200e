"""Sales leadership imports an ERP export in the browser: check, dry run, import, history."""

import pytest

from conftest import ARTIFACTS, browser_login  # the repository root is on sys.path
from kam.sales.models import SalesLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "Debitor;Belegnummer;Belegdatum;Umsatz netto;DB\n"
    "10001;R-1;31.12.2025;1.234,56;234,50\n"
    "10002;R-2;31.02.2025;10,00;1,00\n"
    "10002;R-3;02.01.2026;99,90;19,90\n"
)


def test_leadership_imports_an_export_with_a_dry_run_first(page, leader, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    export = tmp_path / "umsatz.csv"
    export.write_bytes(EXPORT.encode("cp1252"))

    browser_login(page, "leader")
    page.click("nav >> text=Import")
    page.click("text=Neuer Import")
    page.set_input_files("#id_file", str(export))
    page.click("button:has-text('Hochladen und prüfen')")

    assert page.locator("#id_map_customer_number").input_value() == "Debitor"
    assert page.locator("#id_map_net_revenue").input_value() == "Umsatz netto"
    page.click("button:has-text('Probelauf')")
    dry_run = page.locator("#dry-run")
    assert "1 abgelehnt" in dry_run.inner_text()
    assert "31.02.2025" in dry_run.inner_text()
    assert SalesLine.objects.count() == 0
    page.screenshot(path=str(ARTIFACTS / "import-dry-run.png"), full_page=True)

    page.click("button:has-text('Jetzt importieren')")
    page.wait_for_selector("#import-progress:has-text('100 %')")
    assert "2 neu" in page.locator("#import-progress").inner_text()
    assert SalesLine.objects.count() == 2

    page.click("text=Importhistorie")
    assert "umsatz.csv" in page.locator("table").inner_text()
