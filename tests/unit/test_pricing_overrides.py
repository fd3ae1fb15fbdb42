"""``prices:`` in a scenario: a key its item does not bill is bad input, located in the file."""

from pathlib import Path

import pytest

import costsim
from costsim.errors import InputError
from costsim.simulate import check_scenario

BASE = """name: t
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload: {duration: {dist: fixed, value: 50ms}}
options:
"""


def scenario(tmp_path: Path, option: str) -> costsim.Scenario:
    path = tmp_path / "s.yaml"
    path.write_text(BASE + option, encoding="utf-8")
    return costsim.load_scenario(path)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "  - {name: l, kind: serverless, prices: {request: 99}}\n",
            "does not bill 'request'; did you mean 'requests'?",
        ),
        (
            "  - {name: l, kind: serverless, prices: {bogus_key: 5}}\n",
            "aws-lambda x86_64 does not bill 'bogus_key'; it bills: requests, compute",
        ),
        (
            "  - {name: v, kind: vps, instance: t3.medium, prices: {per_month: 5}}\n",
            "t3.medium does not bill 'per_month'; did you mean 'per_hour'? it bills: per_hour",
        ),
    ],
)
def test_unbilled_override_is_located_input_error(
    tmp_path: Path, option: str, message: str
) -> None:
    with pytest.raises(InputError) as exc:
        check_scenario(scenario(tmp_path, option))
    assert message in exc.value.message
    assert exc.value.line == 6
    assert exc.value.field is not None and exc.value.field.startswith("options.0.prices")


def test_extra_components_can_be_overridden(tmp_path: Path) -> None:
    """An add-on's component (API Gateway's) is something the option bills too."""
    sc = scenario(
        tmp_path,
        "  - {name: l, kind: serverless, extras: [api-gateway-http],"
        " prices: {api gateway (HTTP): 0}}\n",
    )
    check_scenario(sc)
