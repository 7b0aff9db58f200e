from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format
from django.utils.http import urlencode

from kam.core.money import cents_to_decimal

register = template.Library()


def _rounded(value: Decimal, places) -> Decimal:
    """Rounded half up: Django's number_format cuts digits off (-9.99 would show as -9,9)."""
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


@register.filter
def money(value, places: int = 2) -> str:
    """1234.5 → '1.234,50 €' in German, '1,234.50 €' in English."""
    if value is None or value == "":
        return "–"
    return f"{number_format(_rounded(Decimal(value), places), int(places), force_grouping=True)} €"


@register.filter
def percent(value, places: int = 1) -> str:
    """A fraction (0.123) shown as '12,3 %'."""
    if value is None or value == "":
        return "–"
    shown = _rounded(Decimal(str(value)) * 100, places)
    return f"{number_format(shown, int(places), force_grouping=True)} %"


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (filters live in the URL)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.filter
def cents(value) -> Decimal | None:
    """Integer cents as a Decimal amount in euros, for the money filter."""
    return None if value == "" else cents_to_decimal(value)


@register.simple_tag(takes_context=True)
def render_panel(context, panel) -> str:
    """Renders an app's account panel with the page's context plus the panel's own."""
    template = context.template.engine.get_template(panel.template)
    with context.push(panel=panel, **panel.context):
        return template.render(context)
