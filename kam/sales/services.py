"""Writes of the sales app besides the importer itself."""

import importlib

from django.apps import apps
from django.db import transaction

from kam.sales.models import ImportProfile


def analysis_after_import() -> None:
    """Starts an analysis run in the background once new sales are in (when kam.analysis is on)."""
    if not apps.is_installed("kam.analysis"):
        return
    analysis_tasks = importlib.import_module("kam.analysis.tasks")
    hook = getattr(analysis_tasks, "analysis_after_import", None)
    if hook is not None:
        transaction.on_commit(hook)


@transaction.atomic
def import_profile_save(*, name: str, mapping: dict[str, str], user=None) -> ImportProfile:
    profile, _ = ImportProfile.objects.update_or_create(
        name=name, defaults={"mapping": mapping, "created_by": user}
    )
    return profile
