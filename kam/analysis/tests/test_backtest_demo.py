"""The forecast beats the naive forecast ("next 12 months = last 12 months") on the demo data."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from kam.analysis.backtest import run_backtest

BERLIN = datetime.timezone(datetime.timedelta(hours=1))


@pytest.mark.django_db
def test_the_forecast_beats_naive_out_of_sample_on_the_demo_company():
    with time_machine.travel(datetime.datetime(2026, 11, 27, 12, tzinfo=BERLIN), tick=False):
        call_command("demo", "--accounts", "150", stdout=io.StringIO())
        report = run_backtest(cutoff=datetime.date(2025, 11, 30)).report

    assert report.model.spearman > report.naive.spearman
    assert report.model.total_absolute_error < report.naive.total_absolute_error
    assert report.model.top_decile_precision >= report.naive.top_decile_precision
