from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.permissions import can_view_margins
from kam.core.plugins import Panel
from kam.sales import figures, selectors


def account_panels(request, account) -> list[Panel]:
    today = timezone.localdate()
    sales = figures.account_figures(account, as_of=today)
    show_margins = can_view_margins(request.user)
    chart = {
        "months": [m.month.strftime("%m/%Y") for m in sales.months],
        "revenue": [m.revenue_cents / 100 for m in sales.months],
        "margin": [m.margin_cents / 100 for m in sales.months] if show_margins else None,
    }
    context = {
        "sales": sales,
        "show_margins": show_margins,
        "sales_chart": chart,
        "top_products": selectors.account_top_products(account, window=sales.window),
        "last_invoices": selectors.account_last_invoices(account, today=today),
    }
    return [Panel("sales", _("Revenue"), "sales/_account_panel.html", context)]
