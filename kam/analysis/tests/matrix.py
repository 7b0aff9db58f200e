"""The analysis URLs in the permission matrix (see kam.testing.matrix)."""

from kam.analysis.models import AnalysisRun, RunStatus
from kam.analysis.tests.factories import make_proposal, make_run
from kam.cockpit.tests.factories import make_result
from kam.testing.matrix import Row, account_pk, allowed


def proposal_pk(objects: dict) -> dict:
    return {"pk": objects["proposal"].pk}


def objects(account, users) -> dict:
    # One run for both accounts of the matrix, so each has a result in the latest run.
    run = AnalysisRun.objects.filter(status=RunStatus.DONE).order_by("-pk").first() or make_run()
    make_result(run, account, revenue=100_000)
    return {"proposal": make_proposal(account, run)}


def latest_run_pk(objects: dict) -> dict:
    run = AnalysisRun.objects.filter(status=RunStatus.DONE).order_by("-pk").first()
    return {"pk": run.pk if run else 0}


def api_account(objects: dict) -> dict:
    return {"account_id": objects["account"].pk}


ROWS = [
    Row("analysis:proposals", "none", "get", "200 200 200 200 200 302"),
    Row("analysis:settings", "none", "get", allowed("can_edit_analysis_settings", "200", "403")),
    Row("analysis:run_now", "none", "post", allowed("can_edit_analysis_settings", "302", "403")),
    Row("analysis:proposal_confirm", "own", "post", "302 302 302 302 403 302", proposal_pk),
    Row("analysis:proposal_confirm", "foreign", "post", "302 302 404 404 403 302", proposal_pk),
    Row("analysis:proposal_decline", "own", "post", "302 302 302 302 403 302", proposal_pk),
    Row("analysis:proposal_decline", "foreign", "post", "302 302 404 404 403 302", proposal_pk),
    Row("analysis:rating", "own", "get", "200 200 200 200 403 302", account_pk),
    Row("analysis:rating", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row(
        "analysis:forecast_quality",
        "none",
        "get",
        allowed("can_view_forecast_quality", "200", "403"),
    ),
    Row(
        "analysis:forecast_quality_run",
        "own",
        "get",
        allowed("can_view_forecast_quality", "200", "403"),
        latest_run_pk,
    ),
    Row("api:account_analysis", "own", "get", "200 200 200 200 200 401", api_account),
    Row("api:account_analysis", "foreign", "get", "200 200 404 404 200 401", api_account),
    Row("api:account_monthly_sales", "own", "get", "200 200 200 200 200 401", api_account),
    Row("api:account_monthly_sales", "foreign", "get", "200 200 404 404 200 401", api_account),
    Row("api:account_sales_figures", "own", "get", "200 200 200 200 200 401", api_account),
    Row("api:account_sales_figures", "foreign", "get", "200 200 404 404 200 401", api_account),
]
