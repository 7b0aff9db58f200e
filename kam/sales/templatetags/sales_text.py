"""`{{ rejection|rejection_reason }}` and `{{ record.error|refusal_reason }}`: why a row or a
file was not imported, in the reader's language."""

from django import template
from django.utils import translation

from kam.sales.reading.messages import file_reason_in, row_reason_in

register = template.Library()


def _field(rejection, name: str) -> str:
    if isinstance(rejection, dict):
        return rejection.get(name) or ""
    return getattr(rejection, name, "") or ""


@register.filter
def rejection_reason(rejection) -> str:
    """Works for stored rejections and for the rows of a dry run's report (dicts)."""
    stored = _field(rejection, "reason")
    return row_reason_in(translation.get_language() or "de", _field(rejection, "code"), stored)


@register.filter
def refusal_reason(text) -> str:
    return file_reason_in(translation.get_language() or "de", str(text)) if text else ""
