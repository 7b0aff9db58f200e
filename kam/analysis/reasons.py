"""The forecast's reason codes (kam_analytics.learned.explain) in words a salesperson reads."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def reason_text(reason: dict) -> str | None:
    """One reason as a sentence; None for a code this version does not know."""
    code = reason.get("code")
    simple = {
        "new_account": _("New customer, little history: forecast cautious"),
        "buys_more_often": _("Buys more often lately"),
        "recent_up": _("Last 6 months stronger than the 6 before"),
        "recent_down": _("Last 6 months weaker than the 6 before"),
        "lumpy": _("Revenue comes from single large orders"),
        "season_strong": _("Strong season ahead (same months last year)"),
        "season_weak": _("Weak season ahead (same months last year)"),
        "steady": _("Revenue steady: forecast close to the last 12 months"),
    }
    if code in simple:
        return simple[code]
    percent = int(reason.get("percent", 0))
    if code == "growing_year":
        return _("Revenue growing for a year (+%(percent)s %%)") % {"percent": percent}
    if code == "shrinking_year":
        return _("Revenue shrinking for a year (−%(percent)s %%)") % {"percent": percent}
    months = int(reason.get("months", 0))
    if code == "buys_less_often":
        return ngettext(
            "Buys less often for %(months)s month", "Buys less often for %(months)s months", months
        ) % {"months": months}
    if code == "no_purchase_since":
        return ngettext(
            "No purchase for %(months)s month", "No purchase for %(months)s months", months
        ) % {"months": months}
    area = str(reason.get("area", ""))
    if code == "area_growing":
        return _("Buys more in product area %(area)s (+%(percent)s %%)") % {
            "area": area,
            "percent": percent,
        }
    if code == "area_shrinking":
        return _("Buys less in product area %(area)s (−%(percent)s %%)") % {
            "area": area,
            "percent": percent,
        }
    if code == "area_new":
        return _("Buys newly in product area %(area)s") % {"area": area}
    if code == "regular":
        return _("Buys regularly (%(months)s of 12 months)") % {"months": months}
    return None


def reason_texts(reasons: list[dict] | None) -> list[str]:
    return [text for text in (reason_text(r) for r in reasons or []) if text]
