"""Shared fixtures for the pure analytics tests: no database, no Django."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def cdnow() -> np.ndarray:
    """CDNOW calibration summary: columns x, t_x, T (weeks) and zbar (average repeat spend)."""
    return np.genfromtxt(
        DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True
    )
