from django.core.management.base import BaseCommand

from kam.search.index import index_rebuild


class Command(BaseCommand):
    help = "Builds the search index anew (accounts, stakeholders, complaints, plans, ...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kinds", nargs="*", help="only these kinds (default: all)")

    def handle(self, *args, kinds: list[str], **options) -> None:
        counts = index_rebuild(kinds or None)
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
