from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.analysis.backtest import BacktestError, run_backtest


class Command(BaseCommand):
    help = (
        "Calibrates the forecast on the sales before --cutoff only and compares it, and the naive "
        "forecast (next 12 months = last 12), with what happened afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cutoff", required=True, help="YYYY-MM-DD")
        parser.add_argument("--horizon-months", type=int, default=12)

    def handle(self, *args, **options) -> None:
        cutoff = self._cutoff(options["cutoff"])
        horizon = options["horizon_months"]
        if not 1 <= horizon <= 36:
            raise CommandError(_("--horizon-months must lie between 1 and 36."))
        try:
            outcome = run_backtest(cutoff=cutoff, horizon_months=horizon)
        except BacktestError as error:
            raise CommandError(
                _("--cutoff: this backtest is not possible: %(reason)s") % {"reason": error}
            ) from None
        self._print(outcome)

    def _cutoff(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                _("--cutoff: %(value)s is not a date in the form YYYY-MM-DD.") % {"value": value}
            ) from None

    def _print(self, outcome) -> None:
        self.stdout.write(
            _(
                "Backtest: calibration up to %(calibration)s, compared %(start)s to %(end)s, "
                "%(accounts)d accounts"
            )
            % {
                "calibration": outcome.calibration_end.strftime("%Y-%m"),
                "start": outcome.cutoff.isoformat(),
                "end": outcome.holdout_end.strftime("%Y-%m"),
                "accounts": outcome.accounts,
            }
        )
        model_label, naive_label = _("model"), _("naive")
        header = f"{'':<28}{model_label:>12}{naive_label:>12}"
        self.stdout.write(header)
        model, naive = outcome.report.model, outcome.report.naive
        for label, attribute in (
            (_("Spearman rank correlation"), "spearman"),
            (_("Precision of the top 10 percent"), "top_decile_precision"),
            (_("Total forecast error"), "total_absolute_error"),
            (_("Total bias"), "total_bias"),
        ):
            self.stdout.write(
                f"{label:<28}{getattr(model, attribute):>12.3f}{getattr(naive, attribute):>12.3f}"
            )
