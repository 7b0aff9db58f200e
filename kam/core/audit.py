"""Where a change came from (UI, admin, CLI, import job), and one event for bulk operations."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    UI = "ui", _("Web interface")
    ADMIN = "admin", _("Administration")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    IMPORT = "import", _("Import")
    JOB = "job", _("Background job")


_current_source: ContextVar[str] = ContextVar("kam_audit_source", default=Source.CLI)


def current_source() -> str:
    return _current_source.get()


@contextmanager
def audit_source(source: str) -> Iterator[None]:
    token = _current_source.set(source)
    try:
        yield
    finally:
        _current_source.reset(token)


class AuditedModel(models.Model):
    """Base of every historical record: adds where the change came from."""

    history_source = models.CharField(
        _("Source"), max_length=10, choices=Source.choices, default=Source.CLI
    )

    class Meta:
        abstract = True


def _stamp_source(sender, history_instance, **kwargs) -> None:
    history_instance.history_source = current_source()


def connect_history_source() -> None:
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(_stamp_source, dispatch_uid="kam_history_source")
