from datetime import date

from kam.referrals import services
from kam.referrals.models import Referral
from kam.sales.models import MonthlyFact


def fact(account, month: date, revenue_cents: int, margin_cents: int) -> MonthlyFact:
    return MonthlyFact.objects.create(
        account=account,
        month=month,
        revenue_cents=revenue_cents,
        margin_cents=margin_cents,
        first_purchase=month,
        last_purchase=month,
    )


def refer(referring, referred, *, user=None, on: date = date(2025, 1, 10)) -> Referral:
    return services.referral_create(
        user=user, referring_account=referring, referred_account=referred, received_on=on
    )
