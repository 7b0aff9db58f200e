"""Reading ERP sales exports (CSV, XLSX) into validated rows; no Django below this package."""

from .mapping import detect_mapping
from .model import (
    CANONICAL_FIELDS,
    ERP_COST_FIELDS,
    REQUIRED_FIELDS,
    STAGED_FIELDS,
    FileRefused,
    RejectedRow,
    SalesRow,
    StagedBlock,
)
from .reader import SalesFile, open_sales_file

__all__ = [
    "CANONICAL_FIELDS",
    "ERP_COST_FIELDS",
    "REQUIRED_FIELDS",
    "FileRefused",
    "RejectedRow",
    "SalesFile",
    "STAGED_FIELDS",
    "SalesRow",
    "StagedBlock",
    "detect_mapping",
    "open_sales_file",
]
