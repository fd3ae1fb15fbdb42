"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def dearer_lambda() -> Path:
    """``tests/fixtures/catalogs/dearer-aws-lambda.yaml``: aws-lambda version 2099-01, dearer
    prices and the built-in catalog's platform limits (re-pricing cannot change limits)."""
    return FIXTURES / "catalogs" / "dearer-aws-lambda.yaml"
