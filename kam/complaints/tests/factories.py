"""Factories of the complaints app; complaints go through the service (numbers, SLA, events)."""

import importlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from kam.complaints import services
from kam.complaints.models import Complaint, ComplaintCategory, RootCause, Severity

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ensure_defaults() -> None:
    """Re-creates the migration's default lists: a transactional test before may have flushed
    them."""
    from django.apps import apps

    defaults = importlib.import_module("kam.complaints.migrations.0002_defaults")
    defaults.create_defaults(apps, None)


def category(code: str = "quality_defect") -> ComplaintCategory:
    return ComplaintCategory.objects.get(code=code)


def root_cause(code: str = "transport") -> RootCause:
    return RootCause.objects.get(code=code)


def make_complaint(account, user=None, **fields) -> Complaint:
    defaults = {
        "subject": "Beschädigte Ware",
        "description": "Palette beim Transport beschädigt.",
        "category": category(fields.pop("category_code", "quality_defect")),
        "severity": Severity.MEDIUM,
        "affected_value": Decimal("1250.00"),
    }
    return services.complaint_create(account=account, user=user, **{**defaults, **fields})


def pdf_upload(name: str = "lieferschein.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
