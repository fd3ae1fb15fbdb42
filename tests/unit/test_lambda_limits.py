"""Lambda's published limits on by default (issue 14), and ``arm64_speedup``.

Sources (../shared/reference/pricing-facts.md section 2): the function timeout is at most 900 s
(Lambda quotas); each function scales by 1,000 execution environments every 10 s (Lambda scaling
behavior, since Nov 2023).
"""

from __future__ import annotations

import math

import pytest

from costsim.errors import InputError
from costsim.scenario import scenario_from_text
from costsim.simulate import simulate

LONG = """\
name: long
horizon: 1h
traffic: {profile: constant, mean_rps: 0.01}
workload: {duration: {dist: fixed, value: 20min}}
options:
  - {name: lambda, kind: serverless, memory: 1GB, free_tier: false, init_billed: false,
     cold_start: {dist: fixed, value: 0s}}
  - {name: short, kind: serverless, memory: 1GB, free_tier: false, init_billed: false,
     cold_start: {dist: fixed, value: 0s}, timeout: 5min}
"""


def test_requests_past_the_15_minute_limit_time_out_and_bill_the_limit() -> None:
    """A 20-minute request on Lambda is cut at 900 s: timed out, not served, 900 s billed."""
    res = simulate(scenario_from_text(LONG), engine="simpy")
    for o, limit_s in zip(res.options, (900.0, 300.0), strict=True):
        assert o.timed_out == o.arrived > 0
        assert o.served == 0
        assert o.arrived == o.served + o.throttled + o.dropped + o.timed_out
        assert o.meters is not None
        billed_ms = o.meters.histograms["duration_ms"].billed_ms(1)
        assert billed_ms == o.arrived * limit_s * 1000
        assert o.to_dict()["requests"]["timed_out"] == o.timed_out


def test_a_timeout_above_the_products_limit_is_a_located_error() -> None:
    text = LONG.replace("timeout: 5min", "timeout: 20min")
    with pytest.raises(InputError) as info:
        simulate(scenario_from_text(text))
    assert info.value.field == "options.1.timeout"
    assert "at most 900 s" in info.value.message


def test_the_default_scale_rate_is_lambdas_and_an_option_overrides_it() -> None:
    """Burst 1,000 then 100 new instances a second by default; ``scale_rate`` replaces it."""
    from costsim.kinds import KINDS
    from costsim.kinds.base import option_context
    from costsim.simulate import catalogs_for

    text = LONG.replace("timeout: 5min", "scale_rate: {instances: 10, per: 1s}")
    scn = scenario_from_text(text)
    cats = catalogs_for(scn)
    kind = KINDS["serverless"]
    plats = []
    for idx, opt in enumerate(scn.options):
        ctx = option_context(scn, idx)
        plats.append(kind.platform(opt, kind.resolve(opt, ctx, cats), ctx))
    assert (plats[0].scale_burst, plats[0].scale_rate_per_s) == (1000.0, 100.0)
    assert (plats[1].scale_burst, plats[1].scale_rate_per_s) == (10.0, 10.0)
    assert plats[0].timeout_s == 900.0 and plats[1].timeout_s == 900.0
    assert not math.isinf(plats[0].timeout_s)


ARM = """\
name: arm
horizon: 10min
traffic: {profile: constant, mean_rps: 2}
workload: {duration: {dist: fixed, value: 100ms}, arm64_speedup: 1.25}
options:
  - {name: x86, kind: serverless, memory: 512MB, cold_start: {dist: fixed, value: 0s}}
  - {name: arm, kind: serverless, memory: 512MB, arch: arm64, cold_start: {dist: fixed, value: 0s}}
"""


def test_arm64_speedup_shortens_arm64_durations_only() -> None:
    """100 ms on x86_64 is 80 ms on arm64 with ``arm64_speedup: 1.25``; 1.0 keeps them equal."""
    x86, arm = simulate(scenario_from_text(ARM), engine="simpy").options
    assert x86.meters is not None and arm.meters is not None
    d_x86 = x86.meters.histograms["duration_ms"]
    d_arm = arm.meters.histograms["duration_ms"]
    assert list(d_x86.values_ms) == [100] and list(d_arm.values_ms) == [80]
    same = simulate(scenario_from_text(ARM.replace(", arm64_speedup: 1.25", "")), engine="simpy")
    assert [list(o.meters.histograms["duration_ms"].values_ms) for o in same.options] == [
        [100],
        [100],
    ]
