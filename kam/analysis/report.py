"""`kam analyze` output: the documented JSON and a plain table, from one analysis outcome.

JSON (money as numbers in the company currency, shares as fractions; see the README):
{"as_of", "currency", "totals": {"revenue_12m", "margin_12m"},
 "concentration": {"top1_share", "top5_share", "top10_share", "hhi", "gini"},  (on revenue)
 "alerts": [{"kind": "dependency", "account": customer number, "measure": "revenue"|"margin",
             "share", "threshold"} (+ "group": true for a group, numbered by its top account);
            {"kind": "top5", "account": null, "measure", "share", "threshold"}],
 "accounts": [{"number", "name", "revenue_12m", "margin_12m", "abc_revenue", "abc_margin", "xyz",
               "p_alive", "expected_revenue_12m", "clv_12m", "score", "rank_tomorrow",
               "status_proposal"}, ...]}   (by revenue, largest first)
"""

from __future__ import annotations

import math

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.analysis.engine import AnalysisOutcome
from kam.analysis.services import alerts_as_json


def _money(cents) -> float:
    return round(float(cents) / 100, 2)


def _number(value: float, digits: int) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def _account_names(outcome: AnalysisOutcome) -> dict[int, tuple[str, str]]:
    rows = Account.objects.values_list("id", "customer_number", "name")
    wanted = set(outcome.account_ids.tolist())
    return {pk: (number, name) for pk, number, name in rows.iterator() if pk in wanted}


def _alerts(outcome: AnalysisOutcome) -> list[dict]:
    result = []
    for alert in alerts_as_json(outcome):
        entry = {
            "kind": alert["kind"],
            "account": alert["number"],
            "measure": alert["measure"],
            "share": alert["share"],
            "threshold": alert["threshold"],
        }
        if alert["group"]:
            entry["group"] = True
        result.append(entry)
    return result


def _accounts(outcome: AnalysisOutcome) -> list[dict]:
    names = _account_names(outcome)
    forecast = outcome.forecast
    entries = []
    for row in np.argsort(outcome.rank_today, kind="stable"):
        number, name = names[int(outcome.account_ids[row])]
        entries.append(
            {
                "number": number,
                "name": name,
                "revenue_12m": _money(outcome.revenue_12m[row]),
                "margin_12m": _money(outcome.margin_12m[row]),
                "abc_revenue": str(outcome.abc_revenue[row]),
                "abc_margin": str(outcome.abc_margin[row]),
                "xyz": str(outcome.xyz[row]),
                "p_alive": _number(forecast.p_alive[row], 4),
                "expected_revenue_12m": _money(forecast.expected_revenue[row]),
                "clv_12m": None if math.isnan(forecast.clv[row]) else _money(forecast.clv[row]),
                "score": _number(outcome.score[row], 1),
                "rank_tomorrow": int(forecast.rank[row]),
                "status_proposal": str(outcome.proposed_status[row]) or None,
            }
        )
    return entries


def analysis_json(outcome: AnalysisOutcome) -> dict:
    revenue = outcome.concentration["revenue"] or dict.fromkeys(
        ("top1_share", "top5_share", "top10_share", "hhi", "gini")
    )
    return {
        "as_of": outcome.as_of.isoformat(),
        "currency": settings.KAM_COMPANY_CURRENCY,
        "totals": {
            "revenue_12m": _money(outcome.revenue_12m.sum()),
            "margin_12m": _money(outcome.margin_12m.sum()),
        },
        "concentration": {
            key: None if value is None else round(value, 6) for key, value in revenue.items()
        },
        "alerts": _alerts(outcome),
        "accounts": _accounts(outcome),
    }


def analysis_table(outcome: AnalysisOutcome) -> str:
    """The JSON's content as aligned text, for a person at the console."""
    data = analysis_json(outcome)
    totals, concentration = data["totals"], data["concentration"]
    lines = [
        _("As of %(day)s, currency %(currency)s")
        % {"day": data["as_of"], "currency": data["currency"]},
        _("Revenue, 12 months: %(revenue)s; margin, 12 months: %(margin)s")
        % {"revenue": f"{totals['revenue_12m']:,.2f}", "margin": f"{totals['margin_12m']:,.2f}"},
        _("Concentration of revenue:")
        + " "
        + ", ".join(f"{key}={_fmt(value)}" for key, value in concentration.items()),
        _("Alerts: %(count)d") % {"count": len(data["alerts"])},
    ]
    for alert in data["alerts"]:
        subject = alert["account"] or "Top 5"
        group = " ({})".format(_("group")) if alert.get("group") else ""
        lines.append(
            f"  {alert['kind']} {subject}{group} {alert['measure']}: "
            f"{alert['share']:.1%} > {alert['threshold']:.0%}"
        )
    number, name, revenue, margin = _("Number"), _("Name"), _("Revenue"), _("Margin")
    forecast, score, rank, proposal = _("Forecast"), _("Score"), _("Rank"), _("Proposal")
    header = (
        f"{number:<10} {name:<30} {revenue:>14} {margin:>12} ABC DB  XYZ "
        f"{'P(alive)':>8} {forecast:>14} {'CLV':>12} {score:>5} {rank:>5} {proposal}"
    )
    lines += ["", header]
    for a in data["accounts"]:
        lines.append(
            f"{a['number']:<10} {a['name'][:30]:<30} {a['revenue_12m']:>14,.2f} "
            f"{a['margin_12m']:>12,.2f}  {a['abc_revenue']}   {a['abc_margin']}   {a['xyz']} "
            f"{_fmt(a['p_alive']):>8} {a['expected_revenue_12m']:>14,.2f} "
            f"{_fmt(a['clv_12m']):>12} {_fmt(a['score']):>5} {a['rank_tomorrow']:>5} "
            f"{a['status_proposal'] or ''}"
        )
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f}" if isinstance(value, float) and abs(value) >= 1 else f"{value:.3f}"
