from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.http import urlencode

from kam.core.money import cents_to_decimal, round_half_up

register = template.Library()


@register.filter
def money(value, places: int = 2) -> str:
    """1234.5 → '1.234,50 €' in German, '1,234.50 €' in English; rounded half up like the
    exports (kam.core.money.round_half_up)."""
    if value is None or value == "":
        return "–"
    return f"{number_format(round_half_up(value, places), int(places), force_grouping=True)} €"


@register.filter
def percent(value, places: int = 1) -> str:
    """A fraction (0.1138) shown as '11,4 %', rounded half up like the exports."""
    if value is None or value == "":
        return "–"
    shown = round_half_up(Decimal(str(value)) * 100, places)
    return f"{number_format(shown, int(places), force_grouping=True)} %"


@register.filter
def number(value, places: int = 0) -> str:
    """A count or figure with the thousands separator of the language: 134188 → '134.188';
    rounded half up. Templates show counts through this, never bare (Django's own grouping is
    off, as it would also group ids in attributes)."""
    if value is None or value == "":
        return "–"
    try:
        shown = round_half_up(value, places)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    return number_format(shown, int(places), force_grouping=True)


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
