"""Property tests on random applications: every request accounted for, no internal error.

Random applications cover every step and state kind (calls, async and queued sends, function
steps, authorizers, map, parallel, choice, retries, errors) on every option kind (an
autoscaled group that may scale to zero and multi-seat instances with a provisioned schedule
included); the checks
are the accounting identity per route and per function, non-negative money, and that a
mutated application file is either valid or one located InputError, never a traceback.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costsim import InputError, scenario_from_text, simulate

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUNCS = ["f0", "f1", "f2", "f3"]


def _duration(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "exponential"]))
    ms = draw(st.sampled_from([0, 5, 50, 400, 2000]))
    return (
        {"dist": "fixed", "value": f"{ms}ms"}
        if kind == "fixed"
        else {"dist": "exponential", "mean": f"{max(ms, 1)}ms"}
    )


@st.composite
def states(draw: Any, depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["call", "call", "map", "parallel", "choice"] if depth < 2 else ["call"]
            )
        )
        f = draw(st.sampled_from(FUNCS))
        if kind == "call":
            out.append({"call": f})
        elif kind == "map":
            out.append(
                {
                    "map": f,
                    "items": {"dist": "fixed", "value": draw(st.integers(0, 4))},
                    "max_concurrency": draw(st.integers(1, 3)),
                }
            )
        elif kind == "parallel":
            out.append(
                {"parallel": [draw(states(depth + 1)) for _ in range(draw(st.integers(1, 3)))]}
            )
        else:
            p = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
            out.append(
                {
                    "choice": [
                        {"p": p, "states": draw(states(depth + 1))},
                        {"p": 1.0 - p, "states": []},
                    ]
                }
            )
    return out


@st.composite
def applications(draw: Any) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    for i, name in enumerate(FUNCS):
        spec: dict[str, Any] = {"duration": _duration(draw)}
        # function steps only call later functions, so there is never a cycle
        later = FUNCS[i + 1 :]
        steps = []
        for _ in range(draw(st.integers(0, 2)) if later else 0):
            target = draw(st.sampled_from(later))
            steps.append(
                draw(
                    st.sampled_from(
                        [
                            {"call": target},
                            {"send": target, "via": "async"},
                            {"send": target, "via": "queue"},
                        ]
                    )
                )
            )
        if steps:
            spec["steps"] = steps
        if draw(st.booleans()):
            spec["error_rate"] = draw(st.sampled_from([0.1, 0.5]))
        if draw(st.booleans()):
            spec["reserved_concurrency"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            spec["max_event_age"] = "60s"
        functions[name] = spec
    routes = []
    for r in range(draw(st.integers(1, 3))):
        route: dict[str, Any] = {
            "name": f"r{r}",
            "traffic": {"profile": "constant", "mean_rps": draw(st.sampled_from([0.2, 1, 2]))},
        }
        if draw(st.booleans()):
            route["authorizer"] = {
                "function": draw(st.sampled_from(FUNCS)),
                "cache_ttl": "30s",
                "clients": draw(st.integers(1, 5)),
            }
        if draw(st.booleans()):
            retry = (
                {"max_attempts": 2, "interval": "1s", "error_rate": 0.2}
                if draw(st.booleans())
                else None
            )
            route["workflow"] = {
                "type": draw(st.sampled_from(["standard", "express"])),
                "states": draw(states()),
            }
            if retry:
                route["workflow"]["retry"] = retry
        else:
            steps = [{"call": draw(st.sampled_from(FUNCS))}]
            if draw(st.booleans()):
                steps.append(
                    {
                        "send": draw(st.sampled_from(FUNCS)),
                        "via": draw(st.sampled_from(["async", "queue"])),
                    }
                )
            route["steps"] = steps
        routes.append(route)
    return {"functions": functions, "routes": routes}


def _scenario(app: dict[str, Any], seed: int) -> str:
    data = {
        "name": "prop",
        "horizon": "2min",
        "seed": seed,
        "application": app,
        "options": [
            {
                "name": "fn",
                "kind": "serverless",
                "concurrency_limit": 8,
                "keep_alive": "20s",
                "cold_start": {"dist": "fixed", "value": "100ms"},
            },
            {
                "name": "vm",
                "kind": "vps",
                "count": 1,
                "workers": 2,
                "queue_limit": 3,
                "queue_timeout": "5s",
            },
            {
                "name": "box",
                "kind": "bare_metal",
                "count": 1,
                "workers": 2,
                "background_workers": 1,
            },
            {
                "name": "run",
                "kind": "serverless",
                "provider": "gcp-cloud-run",
                "plan": "request-based",
                "instance_concurrency": 3,
                "concurrency_limit": 10,
                "keep_alive": "10s",
                "cold_start": {"dist": "fixed", "value": "200ms"},
                "functions": {
                    "f1": {
                        "instance_concurrency": 1,
                        "reserved_concurrency": 2,
                        "provisioned_schedule": [{"count": 1, "start": "30s", "end": "90s"}],
                    }
                },
            },
            {
                "name": "group",
                "kind": "vps",
                "workers": 1,
                "background_workers": 1,
                "queue_timeout": "3s",
                "autoscale": {
                    "min": 0,
                    "max": 3,
                    "target_utilization": 0.5,
                    "boot_time": "5s",
                    "cooldown": "10s",
                    "evaluation_period": "10s",
                },
            },
        ],
    }
    return yaml.safe_dump(data, sort_keys=False)


@SETTINGS
@given(app=applications(), seed=st.integers(0, 2**31))
def test_random_applications_account_for_every_request(app: dict[str, Any], seed: int) -> None:
    result = simulate(scenario_from_text(_scenario(app, seed)), engine="simpy")
    for opt in result.options:
        assert opt.arrived == opt.served + opt.throttled + opt.dropped
        assert opt.cost.total >= 0
        assert opt.routes is not None and opt.functions is not None
        for block in [*opt.routes, *opt.functions]:
            req = block["requests"]
            assert min(req.values()) >= 0
            assert req["arrived"] == req["served"] + req["throttled"] + req["dropped"], (
                opt.name,
                block,
            )


@settings(max_examples=80, deadline=None)
@given(
    app=applications(),
    where=st.integers(0, 10_000),
    junk=st.sampled_from(["nope", 3, -1, None, [], {"x": 1}, "f9"]),
)
def test_mutated_applications_are_valid_or_one_located_error(
    app: dict[str, Any], where: int, junk: Any
) -> None:
    """Replace one value anywhere in the application with junk: valid, or located InputError lines (one per problem)."""
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else []
        )
        for key, child in items:
            nodes.append((node, key))
            walk(child)

    walk(app)
    parent, key = nodes[where % len(nodes)]
    parent[key] = junk
    try:
        scenario_from_text(_scenario(app, 1), file="m.yaml")
    except InputError as exc:
        # one line per problem (a file's problems are reported together), each located
        lines = exc.one_line().splitlines()
        assert lines and all(line.startswith("m.yaml:") for line in lines)
