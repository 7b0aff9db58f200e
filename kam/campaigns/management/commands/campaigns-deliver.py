"""Sends the outbox's mails now (the same as the deliver task), e.g. from cron or a test."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from kam.campaigns import outbox


class Command(BaseCommand):
    help = "Sends queued campaign mails; orphaned 'sending' rows become 'uncertain', never resent."

    def add_arguments(self, parser):
        parser.add_argument("--worker", default="", help="name of this worker in the outbox")
        parser.add_argument("--limit", type=int, default=1000)
        parser.add_argument(
            "--rate", type=float, default=None, help="mails per second (0: no limit)"
        )
        parser.add_argument(
            "--recover-after",
            type=int,
            default=None,
            help="seconds before a 'sending' row is orphaned",
        )

    def handle(self, *args, worker, limit, rate, recover_after, **options):
        lease = timedelta(seconds=recover_after) if recover_after is not None else outbox.LEASE
        uncertain = outbox.recover_stale(lease=lease)
        report = outbox.deliver(worker=worker, limit=limit, rate_per_second=rate)
        self.stdout.write(
            f"sent {report.sent}, retried {report.retried}, failed {report.failed}, "
            f"uncertain {report.uncertain + uncertain}, refused {report.refused}"
        )
