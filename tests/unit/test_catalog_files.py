"""Catalog files: every shipped catalog validates; bad files fail with FILE:LINE: field."""

from pathlib import Path

import pytest

from costsim.errors import InputError
from costsim.pricing.catalog import load_builtin_catalogs, load_catalog_file
from costsim.pricing.registry import CatalogSet

GOOD = """\
catalog: my-lambda
version: "2027-01"
title: My negotiated Lambda
kind: function
provider: AWS
region: us-east-1
currency: USD
as_of: 2027-01-01
source: https://example.com/contract
items:
  x86_64:
    billing: {granularity_ms: 1}
    components:
      - {name: requests, metric: all_requests, usd_per_million_requests: 0.10}
"""


def test_every_builtin_catalog_is_dated_and_sourced() -> None:
    cats = load_builtin_catalogs()
    assert len(cats) >= 14
    for cat in cats:
        assert cat.source.startswith("http")
        assert cat.version and cat.as_of


def test_unknown_catalog_key_suggests_one() -> None:
    with pytest.raises(InputError, match=r"did you mean 'm7g\.large'"):
        CatalogSet.builtin().find_item("m7g.larg", ("vm",))


def test_user_catalog_wins(tmp_path: Path) -> None:
    path = tmp_path / "aws-lambda.yaml"
    path.write_text(GOOD.replace("my-lambda", "aws-lambda").replace("2027-01", "2026-10"))
    cats = CatalogSet.builtin().with_files([path])
    assert cats.get("aws-lambda").title == "My negotiated Lambda"


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("usd_per_million_requests", "usd_per_millon_requests", 14, "items.x86_64.components.0",
         "unknown price unit"),
        ("metric: all_requests", "metric: gb_seconds", 14, "items.x86_64.components.0",
         "unknown metric"),
        ("as_of: 2027-01-01", "as_of: someday", 8, "as_of", "date"),
        ("currency: USD", "currency: EUR", 1, None, "usd_per_eur"),
    ],
)  # fmt: skip
def test_malformed_catalog_is_located(
    tmp_path: Path, old: str, new: str, line: int, field: str | None, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(InputError) as info:
        load_catalog_file(path)
    err = info.value
    assert err.file == str(path)
    assert err.line == line
    if field:
        assert err.field is not None and err.field.startswith(field)
    assert message in err.message
