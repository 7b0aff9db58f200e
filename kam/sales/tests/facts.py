"""The monthly facts as stored, and as they follow from the stored lines (the tests' oracle)."""

from collections import defaultdict

from kam.sales.models import MonthlyFact, SalesLine


def facts_from_lines() -> dict:
    months: dict = defaultdict(list)
    for line in SalesLine.objects.all():
        months[(line.account_id, line.invoice_date.replace(day=1))].append(line)
    return {
        key: (
            sum(line.net_revenue_cents for line in lines),
            sum(line.margin_cents or 0 for line in lines),
            len(lines),
            len({line.invoice_number for line in lines}),
            len({line.invoice_date for line in lines}),
            min(line.invoice_date for line in lines),
            max(line.invoice_date for line in lines),
            sum(line.freight_cents or 0 for line in lines),
            sum(line.packaging_cents or 0 for line in lines),
            sum(line.handling_cents or 0 for line in lines),
        )
        for key, lines in months.items()
    }


def stored_facts() -> dict:
    return {
        (fact.account_id, fact.month): (
            fact.revenue_cents,
            fact.margin_cents,
            fact.line_count,
            fact.invoice_count,
            fact.purchase_days,
            fact.first_purchase,
            fact.last_purchase,
            fact.freight_cents,
            fact.packaging_cents,
            fact.handling_cents,
        )
        for fact in MonthlyFact.objects.all()
    }
