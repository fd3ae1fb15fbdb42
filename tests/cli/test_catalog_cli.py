"""``costsim catalog list`` and ``costsim catalog show``."""

import pytest

from costsim.cli import main


def run(argv, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["costsim", *argv])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_versions_dates_and_sources(capsys, monkeypatch) -> None:
    code, out, _ = run(["catalog", "list"], capsys, monkeypatch)
    assert code == 0
    assert "aws-lambda@2026-10" in out and "2026-10-01" in out
    assert "https://aws.amazon.com/lambda/pricing/" in out


def test_show_catalog_prints_prices_with_source(capsys, monkeypatch) -> None:
    code, out, _ = run(["catalog", "show", "aws-lambda"], capsys, monkeypatch)
    assert code == 0
    assert "usd_per_gb_s = 0.0000166667" in out and "as of 2026-10-01" in out


def test_show_item_key(capsys, monkeypatch) -> None:
    code, out, _ = run(["catalog", "show", "hetzner-cx33"], capsys, monkeypatch)
    assert code == 0
    assert "eur_per_month: 6.49" in out and "USD per EUR: 1.08" in out


@pytest.mark.parametrize("key", ["aws-lamda", "nope@2026-10"])
def test_show_unknown_exits_2(key, capsys, monkeypatch) -> None:
    code, _, err = run(["catalog", "show", key], capsys, monkeypatch)
    assert code == 2 and err.startswith("error: ")
