"""Hostile names typed into forms and imported from a sales file run no script on any page with a
chart, a list or a tooltip; the Content-Security-Policy reports no violation; the charts draw."""

import pytest

from conftest import browser_login  # the repository root is on sys.path
from kam.accounts.models import Account
from kam.cockpit.tests.factories import analysed_portfolio
from kam.complaints.models import ComplaintCategory, RootCause
from kam.complaints.tests.factories import ensure_defaults, make_complaint, root_cause

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = "X<img src=x onerror=window.__xss=1>"
SCRIPT = '"><script>window.__xss=1</script>'
LINK = "javascript:window.__xss=1"
QUOTED_SCRIPT = '"' + SCRIPT.replace('"', '""') + '"'  # one CSV field

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""


def _watched(page):
    page.context.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _assert_safe(page, path: str) -> None:
    assert page.evaluate("() => window.__xss") is None, path
    assert page.evaluate("() => window.__csp") == [], path
    assert page.locator("a[href^='javascript:' i]").count() == 0, path


def _charts_drawn(page, path: str) -> int:
    charts = page.locator("[data-chart]:visible")
    for i in range(charts.count()):
        charts.nth(i).locator("canvas").wait_for(state="attached")
    return charts.count()


def _visit(page, path: str) -> int:
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")
    drawn = _charts_drawn(page, path)
    _assert_safe(page, path)
    return drawn


def _type_hostile_account(page, alice) -> Account:
    page.goto(f"{page.base_url}/accounts/new/")
    page.fill("#id_customer_number", "20001")
    page.fill("#id_name", IMG)
    page.fill("#id_city", SCRIPT)
    page.fill("#id_website", LINK)
    page.click("button:has-text('Speichern')")
    # no javascript: URL; the click does not wait for the re-rendered form
    page.locator(".invalid-feedback, .errorlist, .is-invalid").first.wait_for(state="attached")
    page.fill("#id_website", "")
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("h1:has-text('X<img')")
    account = Account.objects.get(customer_number="20001")
    Account.objects.filter(pk=account.pk).update(owner=alice)
    return account


def _type_hostile_stakeholder_and_complaint(page, account) -> None:
    page.goto(f"{page.base_url}/accounts/{account.pk}/stakeholders/new/")
    page.fill("#id_first_name", SCRIPT)
    page.fill("#id_last_name", IMG)
    page.fill("#id_position", IMG)
    page.click("button:has-text('Speichern')")
    page.wait_for_url(f"**/accounts/{account.pk}/**")

    page.goto(f"{page.base_url}/accounts/{account.pk}/")
    page.click("button[data-bs-target='#complaints']")
    page.click("#complaints >> text=Neue Reklamation")
    page.fill("#id_subject", IMG)
    page.select_option("#id_category", index=1)
    page.fill("#id_description", SCRIPT)
    page.click("button:has-text('Speichern')")
    page.wait_for_selector("h1")


def _import_hostile_customer(page, tmp_path) -> Account:
    export = tmp_path / "umsatz.csv"
    export.write_text(
        f"Debitor;Kundenname;Belegnummer;Belegdatum;Umsatz netto;DB\n"
        f"30001;{QUOTED_SCRIPT};R-1;15.05.2025;1.234,56;234,50\n"
        f"30002;{IMG};R-2;16.05.2025;99,90;19,90\n",
        encoding="utf-8",
    )
    page.goto(f"{page.base_url}/sales/imports/")
    page.click("text=Neuer Import")
    page.set_input_files("#id_file", str(export))
    page.click("button:has-text('Hochladen und prüfen')")
    page.select_option("#id_map_customer_name", "Kundenname")
    page.click("button:has-text('Jetzt importieren')")
    page.wait_for_selector("#import-progress:has-text('100 %')")
    _assert_safe(page, "import")
    assert Account.objects.filter(customer_number="30001").exists(), page.inner_text("main")
    return Account.objects.get(customer_number="30001")


POINTS = """element => {
  const chart = echarts.getInstanceByDom(element), points = [];
  chart.getOption().series.forEach((series, i) => series.data.forEach(point => {
    points.push(chart.convertToPixel({seriesIndex: i}, point.value.slice(0, 2)));
  }));
  return points;
}"""


TOOLTIP_TEXT = "element => [...element.querySelectorAll('div')].map(d => d.innerText).join('|')"


def _hover_every_point(page, chart) -> str:
    """Moves the mouse onto every point of the chart; returns the tooltips' texts."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    seen = []
    for x, y in chart.evaluate(POINTS):
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(100)
        seen.append(chart.evaluate(TOOLTIP_TEXT))
    return "\n".join(seen)


def test_hostile_names_run_no_script_anywhere(page, leader, alice, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    ensure_defaults()
    ComplaintCategory.objects.filter(pk=ComplaintCategory.objects.order_by("pk")[0].pk).update(
        name=IMG
    )
    RootCause.objects.filter(code="transport").update(name=SCRIPT)
    errors = _watched(page)

    browser_login(page, "leader")
    typed = _type_hostile_account(page, alice)
    _type_hostile_stakeholder_and_complaint(page, typed)
    imported = _import_hostile_customer(page, tmp_path)
    Account.objects.filter(pk=imported.pk).update(owner=alice)
    complaint = make_complaint(imported, alice, subject=SCRIPT)
    complaint.root_cause = root_cause("transport")
    complaint.save(update_fields=["root_cause"])
    other = Account.objects.create(customer_number="30003", name=IMG + " Zwei", owner=alice)
    analysed_portfolio([typed, imported, other], revenues=[500_000, 300_000, 200_000])

    pages = [
        "/",
        "/cockpit/abc/",
        "/cockpit/tomorrow/",
        "/cockpit/kpis/",
        "/accounts/",
        "/accounts/?q=img",
        "/complaints/",
        "/complaints/analysis/",
        "/analysis/",
        "/sales/imports/",
    ]
    for user in ["leader", "alice"]:
        if user == "alice":
            page.context.clear_cookies()
            browser_login(page, "alice")
        drawn = {path: _visit(page, path) for path in pages}
        assert drawn["/"] >= 3, (
            drawn
        )  # ABC split, Lorenz curve, portfolio matrix (and KPIs for leadership)
        assert drawn["/complaints/analysis/"] == 3, drawn

        page.goto(f"{page.base_url}/")
        portfolio = page.locator("#portfolio [data-chart]")
        portfolio.locator("canvas").wait_for()
        tooltip = _hover_every_point(page, portfolio)
        assert (
            "X<img src=x onerror=window.__xss=1>" in tooltip or SCRIPT in tooltip
        )  # shown as text
        _assert_safe(page, "portfolio hover")

        for account in [typed, imported]:
            page.goto(f"{page.base_url}/accounts/{account.pk}/")
            tabs = page.locator("[data-bs-toggle=tab]")
            for i in range(tabs.count()):
                tabs.nth(i).click()
                page.wait_for_timeout(150)
                _charts_drawn(page, f"account {account.pk} tab {i}")
            charts = page.locator("[data-chart]")
            assert charts.count() >= 1  # the sales tab's chart
            assert page.locator("[data-chart] canvas").count() == charts.count()
            _assert_safe(page, f"account {account.pk}")

    assert errors == []
