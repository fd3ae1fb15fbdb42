"""``costsim quote aws-lambda`` on the Lambda pricing page's SnapStart example (2026 copy of
https://aws.amazon.com/lambda/pricing/): the ``--snapstart-version-hours`` flag."""

import json

import pytest

from costsim.cli import main

SNAPSTART = [
    "quote", "aws-lambda", "--requests", "7440000", "--duration-ms", "2000",
    "--memory-mb", "1024", "--cold-starts", "74400", "--no-free-tier",
    "--extra", "aws-lambda/snapstart", "--json",
]  # fmt: skip


def _total(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch) -> float:
    monkeypatch.setattr("sys.argv", ["costsim", *argv])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 0
    return float(json.loads(capsys.readouterr().out)["total_usd"])


def test_snapstart_example_31_day_month_flag(capsys, monkeypatch) -> None:
    """SnapStart example: one version cached for the 31-day month (744 h): $263.92."""
    argv = [*SNAPSTART, "--snapstart-version-hours", "744"]
    assert _total(argv, capsys, monkeypatch) == 263.92


def test_snapstart_default_is_one_version_for_the_730_hour_month(capsys, monkeypatch) -> None:
    """Without the flag the version is cached for costsim's 730-hour month: $263.84."""
    assert _total(SNAPSTART, capsys, monkeypatch) == 263.84


def test_snapstart_version_hours_must_not_be_negative(capsys, monkeypatch) -> None:
    """A negative value is refused by the flag's bound: exit code 2, one line, no traceback."""
    monkeypatch.setattr("sys.argv", ["costsim", *SNAPSTART, "--snapstart-version-hours", "-1"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
