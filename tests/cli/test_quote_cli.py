"""``costsim quote``: the exact Lambda flags, readable and JSON output, one-line errors."""

import json
from pathlib import Path

import pytest

from costsim.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("sys.argv", ["costsim", *argv])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


LAMBDA = ["quote", "aws-lambda", "--requests", "3000000", "--duration-ms", "120"]


def test_lambda_json_matches_published_example(capsys, monkeypatch) -> None:
    """AWS Lambda pricing page, Provisioned Concurrency Example 1: total $19.96."""
    argv = [
        *LAMBDA[:3], "2500000", *LAMBDA[4:], "--memory-mb", "1536", "--arch", "x86_64",
        "--ephemeral-storage-mb", "512", "--provisioned-concurrency", "100",
        "--provisioned-hours", "8", "--provisioned-requests", "500000",
        "--provisioned-duration-ms", "100", "--json",
    ]  # fmt: skip
    code, out, _ = run(argv, capsys, monkeypatch)
    assert code == 0
    data = json.loads(out)
    assert data["total_usd"] == 19.96
    assert data["catalog"] == "aws-lambda@2026-10"
    assert round(sum(data["components"].values()), 2) == data["total_usd"]


def test_lambda_readable_breakdown(capsys, monkeypatch) -> None:
    code, out, _ = run([*LAMBDA, "--memory-mb", "1536"], capsys, monkeypatch)
    assert code == 0
    assert "compute free tier" in out and "2.73" in out
    assert "as of 2026-10-01" in out


def test_no_free_tier_and_arm64(capsys, monkeypatch) -> None:
    argv = [*LAMBDA, "--memory-mb", "1536", "--arch", "arm64", "--no-free-tier", "--json"]
    code, out, _ = run(argv, capsys, monkeypatch)
    assert code == 0
    assert json.loads(out)["total_usd"] == 7.80  # 540,000 x 0.0000133334 + 3 x 0.20


def test_memory_out_of_range_exits_2(capsys, monkeypatch) -> None:
    code, _, err = run([*LAMBDA, "--memory-mb", "20000"], capsys, monkeypatch)
    assert code == 2
    assert "--memory-mb: memory must be within 128-10240 MB" in err


def test_unknown_catalog_key_exits_2(capsys, monkeypatch) -> None:
    code, _, err = run(["quote", "vm", "m7g.lrge"], capsys, monkeypatch)
    assert code == 2
    assert "unknown catalog key 'm7g.lrge'" in err and len(err.strip().splitlines()) == 1


def test_malformed_catalog_file_exits_2(tmp_path: Path, capsys, monkeypatch) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("catalog: mine\nversion: '2026-10'\nkind: vm\n")
    code, _, err = run([*LAMBDA, "--catalog", str(bad)], capsys, monkeypatch)
    assert code == 2
    assert err.startswith(f"error: {bad}:1: ")


def test_other_providers_have_quote_commands(capsys, monkeypatch) -> None:
    code, out, _ = run(["quote", "--help"], capsys, monkeypatch)
    assert code == 0
    for name in ("aws-lambda", "azure-functions", "cloud-run", "cloud-functions",
                 "cloudflare-workers", "step-functions", "addon", "vm", "server"):  # fmt: skip
        assert name in out


@pytest.mark.parametrize(
    ("argv", "total"),
    [
        (["quote", "vm", "m7g.large", "--savings-plan-discount", "0.3"], 41.70),
        (["quote", "server", "colo-1u-16core"], 327.50),
        (["quote", "azure-functions", "--plan", "premium-ep1"], 157.72),
        (["quote", "cloud-run", "--billing", "instance-based"], 44.71),
        (["quote", "addon", "api-gateway-rest", "--requests", "1000000"], 3.50),
    ],
)
def test_quote_commands_json(argv, total, capsys, monkeypatch) -> None:
    code, out, _ = run([*argv, "--json"], capsys, monkeypatch)
    assert code == 0
    assert json.loads(out)["total_usd"] == total


def test_lambda_init_and_catalog_addons(capsys, monkeypatch) -> None:
    """Lambda INIT, SnapStart and response streaming (pricing-facts.md 1a rates, our
    arithmetic, no free tier): 1M x 200 ms + 10,000 inits of 500 ms at 1 GB = 205,000 GB-s
    ($3.42); a month of 1 GB snapshot cache ($3.95) and 10,000 1 GB restores ($1.40); 1M 8 MB
    responses stream 1,953.125 GB beyond 6 MB each ($15.63): with requests, $24.59."""
    argv = [
        "quote", "aws-lambda", "--requests", "1000000", "--duration-ms", "200",
        "--memory-mb", "1024", "--cold-starts", "10000", "--init-ms", "500",
        "--response-mb", "8", "--extra", "aws-lambda/snapstart",
        "--extra", "aws-lambda/response-streaming", "--no-free-tier", "--json",
    ]  # fmt: skip
    code, out, err = run(argv, capsys, monkeypatch)
    assert code == 0, err
    data = json.loads(out)
    assert data["total_usd"] == 24.59
    assert set(data["components"]) == {
        "requests",
        "compute",
        "snapstart cache",
        "snapstart restore",
        "response streaming",
    }


def test_unbilled_price_override_is_one_line(capsys, monkeypatch) -> None:
    """``--price request=3`` names the flag, the did-you-mean and what Lambda bills."""
    code, _, err = run([*LAMBDA, "--price", "request=3"], capsys, monkeypatch)
    assert code == 2
    assert "--price: aws-lambda x86_64 does not bill 'request'; did you mean 'requests'?" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["quote", "vm", "hetzner-cx33", "--hours", "731"],
        ["quote", "azure-functions", "--hours", "731"],
        ["quote", "azure-functions", "--requests", "1000", "--traffic-hours", "731"],
        ["quote", "cloud-run", "--hours", "731"],
        ["quote", "cloud-run", "--traffic-hours", "731"],
    ],
    ids=["vm-hours", "azure-hours", "azure-traffic-hours", "run-hours", "run-traffic-hours"],
)
def test_hours_beyond_a_month_exit_2(argv, capsys, monkeypatch) -> None:
    """A month is 730 hours (costsim's month): more hours of running, or of traffic, in one is
    refused in one line naming the flag, on every quote command that takes them (vm and
    azure-functions' --traffic-hours took any number)."""
    code, _, err = run(argv, capsys, monkeypatch)
    assert code == 2, err
    assert argv[-2] in err and len(err.strip().splitlines()) == 1, err
