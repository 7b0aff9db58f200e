"""The `kam demo` step: ratings and one analysis after the demo sales, or nothing to do."""

import random
from datetime import date

from kam.accounts.models import KeyAccountStatus
from kam.analysis.demo import populate
from kam.analysis.models import AccountRating, AnalysisRun
from kam.analysis.tests.factories import add_facts, months_ending
from kam.demo.company import DemoCompany
from kam.testing.factories import AccountFactory


def test_demo_rates_key_accounts_and_runs_one_analysis(alice, leader, time_machine):
    time_machine.move_to("2025-07-15 09:00 +02:00")
    key = AccountFactory(owner=alice, status=KeyAccountStatus.KEY_ACCOUNT)
    plain = AccountFactory(owner=alice)
    for account in (key, plain):
        add_facts(account, months_ending(date(2025, 6, 1), [1_000, 2_000, 0, 3_000] * 6))

    populate(random.Random(1), DemoCompany(users={"leitung": leader}, accounts=[key, plain]))

    assert list(AccountRating.objects.values_list("account_id", flat=True)) == [key.pk]
    run = AnalysisRun.objects.get()
    assert (run.as_of, run.account_count) == (date(2025, 7, 15), 2)


def test_demo_without_sales_skips_the_analysis(leader):
    populate(random.Random(1), DemoCompany(users={"leitung": leader}, accounts=[]))

    assert not AnalysisRun.objects.exists()
