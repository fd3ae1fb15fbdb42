"""``max_lifetime`` as a scenario writes it: a duration or ``off``, defaulting to the product's.

AWS Lambda recycles execution environments "every few hours ... even for functions that are
invoked continuously" (Lambda developer guide, *Understanding the Lambda execution environment
lifecycle*); the catalog takes 2 h, measured for busy environments (Xebia, "TIL that AWS Lambda
terminates instances preemptively"). Products that publish no lifetime default to off.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from costsim.cli import main
from costsim.kinds import KINDS
from costsim.kinds.base import option_context
from costsim.scenario import scenario_from_text
from costsim.simulate import catalogs_for, simulate

BASE = """\
name: life
horizon: {horizon}
seed: 3
traffic: {{profile: constant, mean_rps: {rps}}}
workload: {{duration: {{dist: fixed, value: 10ms}}}}
options:
  - {{name: lambda, kind: serverless, memory: 512MB, concurrency_limit: 1,
     cold_start: {{dist: fixed, value: 0.2s}}}}
  - {{name: never, kind: serverless, memory: 512MB, concurrency_limit: 1,
     cold_start: {{dist: fixed, value: 0.2s}},
     max_lifetime: off}}
  - {{name: quoted, kind: serverless, memory: 512MB, concurrency_limit: 1,
     cold_start: {{dist: fixed, value: 0.2s}},
     max_lifetime: "off"}}
  - {{name: hourly, kind: serverless, memory: 512MB, concurrency_limit: 1,
     cold_start: {{dist: fixed, value: 0.2s}},
     max_lifetime: 1 hour}}
  - {{name: azure, kind: serverless, provider: azure-functions, plan: consumption,
     memory: 512MB, concurrency_limit: 1,
     cold_start: {{dist: fixed, value: 0.2s}}}}
"""


def _platforms(text: str) -> list:
    scn = scenario_from_text(text)
    cats = catalogs_for(scn)
    kind = KINDS["serverless"]
    out = []
    for idx, opt in enumerate(scn.options):
        ctx = option_context(scn, idx)
        out.append(kind.platform(opt, kind.resolve(opt, ctx, cats), ctx))
    return out


def test_lifetime_defaults_to_the_products_and_an_option_sets_or_turns_it_off() -> None:
    """Lambda 7,200 s from its catalog; ``off`` (bare, which YAML reads as false, or quoted) is
    never (inf); ``1 hour`` is 3,600 s; Azure Functions publishes none, so off."""
    lives = [p.max_lifetime_s for p in _platforms(BASE.format(horizon="1h", rps=1))]
    assert lives == [7200.0, math.inf, math.inf, 3600.0, math.inf]


def test_a_busy_day_on_lambda_cold_starts_every_two_hours() -> None:
    """Poisson requests, one every 2 s on average for a day, of 10 ms, on one instance at most
    (``concurrency_limit: 1``; the few overlapping ones are throttled). Off: 1 cold start.
    Recycled at age L, the k-th cold start comes at k L plus k + 1 waits for the next arrival
    (2 s each): 2 h gives exactly 12 in the day (the 13th would be due after 24 h), 1 h 24."""
    res = simulate(scenario_from_text(BASE.format(horizon="1d", rps=0.5)), engine="fast")
    colds = {o.name: o.cold_starts for o in res.options}
    assert colds == {"lambda": 12, "never": 1, "quoted": 1, "hourly": 24, "azure": 1}
    lam = next(o for o in res.options if o.name == "lambda")
    assert lam.to_dict()["detail"]["max_lifetime_s"] == 7200.0
    off = next(o for o in res.options if o.name == "never")
    assert off.to_dict()["detail"]["max_lifetime_s"] is None


def _run(tmp_path: Path, monkeypatch, capsys, value: str) -> tuple[int, str]:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: bad\nhorizon: 1h\ntraffic: {profile: constant, mean_rps: 1}\n"
        "workload: {duration: {dist: fixed, value: 10ms}}\noptions:\n"
        f"  - {{name: lambda, kind: serverless, max_lifetime: {value}}}\n"
    )
    monkeypatch.setattr(sys, "argv", ["costsim", "validate", str(path)])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    return int(info.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("value", ["forever", "0s", "-2h", "2", "on"])
def test_a_bad_lifetime_is_one_located_line(tmp_path, monkeypatch, capsys, value: str) -> None:
    """Not a duration nor off (``on`` is YAML's true), zero, negative or without a unit: exit 2, one line naming the
    file, line and field."""
    code, err = _run(tmp_path, monkeypatch, capsys, value)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "s.yaml:6: options.0.max_lifetime:" in err, err
