"""Application scenarios: the shape, and every graph error as one FILE:LINE: field: message."""

from __future__ import annotations

import pytest

from costsim import InputError, scenario_from_text
from costsim.application.schema import CallState, MapState, ParallelState, SendStep
from costsim.traffic.compose import Sum

BASE = """\
name: app
horizon: 1h
application:
  functions:
    authorizer: {duration: {dist: fixed, value: 15ms}}
    api:
      duration: {dist: lognormal, median: 40ms, p99: 300ms}
      steps: [{call: db}]
    db: {duration: {dist: fixed, value: 5ms}}
    ingest: {duration: {dist: exponential, mean: 2s}}
  queues:
    readings: {consumer: ingest, batch_size: 10}
  routes:
    - name: get-readings
      traffic: {profile: constant, mean_rps: 5}
      authorizer: {function: authorizer, cache_ttl: 5min, clients: 200}
      steps:
        - {call: api}
        - {send: readings, via: queue}
        - {send: ingest, via: async}
    - name: nightly
      traffic: {profile: schedule, every: 1d, count: 48, window: 1h}
      gateway: null
      workflow:
        type: express
        states:
          - {call: api}
          - {parallel: [{call: ingest}, [{call: db}, {call: ingest}]]}
          - {map: ingest, items: {dist: fixed, value: 25}, max_concurrency: 10}
          - choice:
              - {p: 0.25, states: [{call: db}]}
              - {p: 0.75, states: []}
options:
  - name: lambda
    kind: serverless
    functions: {ingest: {memory: 1GB, reserved_concurrency: 10}}
  - {name: vps, kind: vps, count: 1, workers: 4, background_workers: 2}
"""


def _error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        scenario_from_text(text, file="s.yaml")
    return info.value


def _edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_application_parses_every_step_and_state_kind() -> None:
    s = scenario_from_text(BASE)
    app = s.application
    assert app is not None
    route, nightly = app.routes
    assert route.authorizer is not None and route.authorizer.cache_ttl_s == 300.0
    assert isinstance(route.steps[1], SendStep) and route.steps[1].via == "queue"
    assert nightly.workflow is not None and nightly.gateway is None
    call, par, mapped, _choice = nightly.workflow.states
    assert isinstance(call, CallState) and isinstance(par, ParallelState)
    assert len(par.parallel[0]) == 1 and len(par.parallel[1]) == 2  # one state or a sequence
    assert isinstance(mapped, MapState) and mapped.max_concurrency == 10
    assert s.options[0].functions["ingest"].memory_mb == 1024.0  # type: ignore[union-attr]


def test_traffic_and_workload_are_derived_from_the_routes() -> None:
    """The derived traffic is the routes' sum; the derived workload the mean work per request."""
    s = scenario_from_text(BASE)
    assert isinstance(s.traffic, Sum)
    expected = 5 * 3600 + 48
    assert s.traffic.expected_count(0, 3600) == pytest.approx(expected)
    # get-readings: authorizer 15 ms + api (40 ms median lognormal + db 5 ms) + 2 x ingest 2 s
    app = s.application
    assert app is not None
    api_mean = app.functions["api"].duration.mean_s
    route_s = 0.015 + api_mean + 0.005 + 4.0
    nightly_s = api_mean + 0.005 + (2.0 + 0.005 + 2.0) + 25 * 2.0 + 0.25 * 0.005
    mean = (5 * 3600 * route_s + 48 * nightly_s) / expected
    assert s.workload.duration.mean_s == pytest.approx(mean)


def test_single_traffic_scenario_is_unchanged() -> None:
    s = scenario_from_text(
        "name: t\ntraffic: {profile: constant, mean_rps: 1}\n"
        "workload: {duration: {dist: fixed, value: 10ms}}\noptions: [{name: f, kind: serverless}]\n"
    )
    assert s.application is None and s.workload.duration.mean_s == 0.01


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        # a step naming an unknown function, with did-you-mean
        (
            "- {call: api}\n        - {send: readings",
            "- {call: apx}\n        - {send: readings",
            18,
            "application.routes.0.steps.0.call",
            "unknown function 'apx'; did you mean 'api'?",
        ),
        # a function's own step naming an unknown function
        (
            "steps: [{call: db}]",
            "steps: [{call: dbb}]",
            8,
            "application.functions.api.steps.0.call",
            "did you mean 'db'",
        ),
        # a cycle of synchronous calls, named, at the call that closes it
        (
            "db: {duration: {dist: fixed, value: 5ms}}",
            "db: {duration: {dist: fixed, value: 5ms}, steps: [{call: api}]}",
            9,
            "application.functions.db.steps.0.call",
            "a cycle of synchronous calls: api -> db -> api",
        ),
        # a map without items
        (
            "{map: ingest, items: {dist: fixed, value: 25}, max_concurrency: 10}",
            "{map: ingest, max_concurrency: 10}",
            29,
            "application.routes.1.workflow.states.2.map",
            "a map needs items",
        ),
        # a queue with no consumer
        (
            "readings: {consumer: ingest, batch_size: 10}",
            "readings: {batch_size: 10}",
            12,
            "application.queues.readings",
            "has no consumer",
        ),
        # probabilities of a choice not summing to 1
        (
            "{p: 0.75, states: []}",
            "{p: 0.7, states: []}",
            30,
            "application.routes.1.workflow.states.3.choice",
            "sum to 1, got 0.95",
        ),
        # an unknown function inside a parallel branch
        (
            "[{call: db}, {call: ingest}]",
            "[{call: db}, {call: ingets}]",
            28,
            "application.routes.1.workflow.states.1.parallel.1.1.call",
            "did you mean 'ingest'",
        ),
        # an unknown send target
        (
            "{send: ingest, via: async}",
            "{send: ingst, via: async}",
            20,
            "application.routes.0.steps.2.send",
            "unknown function or queue 'ingst'",
        ),
        # a queue sent to as an async function
        (
            "{send: readings, via: queue}",
            "{send: readings, via: async}",
            19,
            "application.routes.0.steps.1.send",
            "is a queue",
        ),
        # an authorizer naming an unknown function
        (
            "{function: authorizer,",
            "{function: authoriser,",
            16,
            "application.routes.0.authorizer.function",
            "did you mean 'authorizer'",
        ),
        # per-option settings of an unknown function
        (
            "functions: {ingest: {memory: 1GB",
            "functions: {ingset: {memory: 1GB",
            36,
            "options.0.functions.ingset",
            "did you mean 'ingest'",
        ),
        # a route with both steps and a workflow
        (
            "      gateway: null\n",
            "      gateway: null\n      steps: [{call: db}]\n",
            21,
            "application.routes.1",
            "either steps or a workflow",
        ),
        # an unknown step kind
        (
            "- {call: api}\n        - {send: readings",
            "- {cal: api}\n        - {send: readings",
            18,
            "application.routes.0.steps.0",
            "a step is {call",
        ),
    ],
)
def test_bad_application_is_one_located_line(
    old: str, new: str, line: int, field: str, words: str
) -> None:
    err = _error(_edit(old, new))
    assert err.file == "s.yaml"
    assert err.line == line, err.one_line()
    assert err.field == field, err.one_line()
    assert words in err.message, err.one_line()
    assert "\n" not in err.one_line()


def test_application_and_top_level_traffic_at_once() -> None:
    text = _edit("horizon: 1h\n", "horizon: 1h\ntraffic: {profile: constant, mean_rps: 1}\n")
    err = _error(text)
    assert (err.line, err.field) == (3, "traffic")
    assert "takes no top-level traffic" in err.message


def test_no_traffic_and_no_application() -> None:
    err = _error(
        "name: t\nworkload: {duration: {dist: fixed, value: 1s}}\noptions: [{name: f, kind: serverless}]\n"
    )
    assert err.field == "traffic" and "or describe an application" in err.message


def test_functions_settings_need_an_application() -> None:
    err = _error(
        "name: t\ntraffic: {profile: constant, mean_rps: 1}\n"
        "workload: {duration: {dist: fixed, value: 10ms}}\n"
        "options: [{name: f, kind: serverless, functions: {a: {memory: 1GB}}}]\n"
    )
    assert err.field == "options.0.functions" and err.line == 4


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    import sys

    from costsim.cli import main

    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_cli_exit_code_2_for_a_bad_application(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(
        _edit(
            "{map: ingest, items: {dist: fixed, value: 25}, max_concurrency: 10}", "{map: ingest}"
        )
    )
    code, output = _cli(monkeypatch, capsys, "validate", str(path))
    assert code == 2
    assert f"{path}:29: application.routes.1.workflow.states.2.map: a map needs items" in output
    assert "Traceback" not in output


def _cli_ok(monkeypatch, capsys, *args: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Like :func:`_cli`, for a command that may return without SystemExit on success."""
    import sys

    from costsim.cli import main

    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_fast_engine_runs_an_application_as_simpy_does(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """``--engine fast`` (the default) runs an application on the compiled engine: the same
    summary.json bytes as ``--engine simpy``, apart from the ``engine`` field."""
    import json

    path = tmp_path / "app.yaml"
    path.write_text(BASE)
    runs = {}
    for engine in ("fast", "simpy"):
        out = tmp_path / engine
        args = ("run", str(path), "--engine", engine, "--out", str(out), "--no-charts")
        code, output = _cli_ok(monkeypatch, capsys, *args)
        assert code == 0, output
        assert "note:" not in output
        runs[engine] = json.loads((out / "summary.json").read_text())
    assert runs["fast"].pop("engine") == "fast"
    assert runs["simpy"].pop("engine") == "simpy"
    assert json.dumps(runs["fast"]) == json.dumps(runs["simpy"])


def test_fast_engine_says_in_one_line_what_it_does_not_run(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Two map states with different item distributions in one route: the compiled engine
    does not run that yet, so the run says so in one line and runs on SimPy."""
    import json

    path = tmp_path / "app.yaml"
    path.write_text(
        _edit(
            "{map: ingest, items: {dist: fixed, value: 25}, max_concurrency: 10}",
            "{map: ingest, items: {dist: fixed, value: 25}, max_concurrency: 10}\n"
            "          - {map: ingest, items: {dist: fixed, value: 2}}",
        )
    )
    out = tmp_path / "o"
    code, output = _cli_ok(monkeypatch, capsys, "run", str(path), "--out", str(out), "--no-charts")
    assert code == 0, output
    notes = [line for line in output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "different item distributions" in notes[0], output
    assert json.loads((out / "summary.json").read_text())["engine"] == "simpy"
    assert "Traceback" not in output


def test_sweeps_vary_an_application_through_its_routes_and_options() -> None:
    """A sweep point dumps and validates the scenario again: the derived traffic is left out of
    the dump, so route and option changes take effect and derive anew."""
    from costsim.sweep.grid import apply_point

    s = scenario_from_text(BASE)
    point = apply_point(
        s, {"application.routes.0.traffic.scale": 2, "options.lambda.memory": "512MB"}
    )
    assert point.application is not None and point.application.routes[0].traffic.scale == 2
    assert point.options[0].memory_mb == 512.0
    assert point.traffic.expected_count(0, 3600) == pytest.approx(2 * 5 * 3600 + 48)
    assert "traffic" not in s.model_dump() and "workload" not in s.model_dump()


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        (
            "    kind: serverless\n",
            "    kind: serverless\n    provisioned_concurrency: 2\n",
            "options.0.provisioned_concurrency",
            "per function",
        ),
        (
            "    kind: serverless\n",
            "    kind: serverless\n    extras: [api-gateway-rest]\n",
            "options.0.extras",
            "per route",
        ),
        (
            "    kind: serverless\n",
            "    kind: serverless\n    concurrency_limit: 5\n",
            "options.0.concurrency_limit",
            "reserved concurrency sums to 10",
        ),
        (
            "{ingest: {memory: 1GB, reserved_concurrency: 10}}",
            "{ingest: {memory: 1GB, reserved_concurrency: 1, provisioned: 2}}",
            "options.0.functions.ingest.provisioned",
            "provisioned (2) above reserved_concurrency (1)",
        ),
        (
            "    kind: serverless\n",
            "    kind: serverless\n    provisioned_schedule: [{count: 1, start: 0h, end: 1h}]\n",
            "options.0.provisioned_schedule",
            "per function",
        ),
        (
            "{ingest: {memory: 1GB, reserved_concurrency: 10}}",
            "{ingest: {reserved_concurrency: 1, provisioned_schedule: "
            "[{count: 2, at: '08:00', until: '09:00'}]}}",
            "options.0.functions.ingest.provisioned_schedule",
            "provisioned (2) above reserved_concurrency (1)",
        ),
    ],
)
def test_option_settings_an_application_cannot_take(
    old: str, new: str, field: str, words: str
) -> None:
    """Checked before simulating (costsim validate), located at the option's field."""
    from costsim.simulate import check_scenario

    s = scenario_from_text(_edit(old, new), file="s.yaml")
    with pytest.raises(InputError) as info:
        check_scenario(s)
    assert info.value.field == field, info.value.one_line()
    assert words in info.value.message
    assert info.value.line is not None


def test_sensitivity_scales_each_function_duration_of_an_application() -> None:
    """The report's "duration +-30 %" factors reach an application's functions (it has no
    top-level workload to scale)."""
    from costsim.sweep.grid import scenario_data
    from costsim.sweep.sensitivity import FACTORS

    data = scenario_data(scenario_from_text(BASE))
    assert FACTORS["duration +30 %"](data)
    functions = data["application"]["functions"]
    assert functions["authorizer"]["duration"]["value"] == pytest.approx(0.015 * 1.3)
    assert functions["ingest"]["duration"]["mean"] == pytest.approx(2.6)


def test_fast_engine_falls_back_for_a_setting_not_whitelisted(
    tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    """The compiled engine runs an application only when every setting used is on its
    whitelist (costsim.kinds.app_compiled): a function's provisioned schedule is not (yet), so
    the whole scenario runs on SimPy and one line names the setting."""
    import json

    path = tmp_path / "app.yaml"
    path.write_text(
        _edit(
            "    functions: {ingest: {memory: 1GB, reserved_concurrency: 10}}\n",
            "    functions:\n"
            "      ingest: {memory: 1GB, reserved_concurrency: 10}\n"
            "      api: {provisioned_schedule: [{count: 2, start: 10min, end: 17min}]}\n",
        )
    )
    out = tmp_path / "o"
    code, output = _cli_ok(monkeypatch, capsys, "run", str(path), "--out", str(out), "--no-charts")
    assert code == 0, output
    notes = [line for line in output.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "provisioned_schedule" in notes[0], output
    assert json.loads((out / "summary.json").read_text())["engine"] == "simpy"


def test_compiled_gap_is_a_whitelist() -> None:
    """Any setting off the whitelist that differs from its default sends the run to SimPy:
    instance_concurrency above 1, an autoscaling fleet, batch windows; the defaults do not."""
    from costsim.appsim.run import application_engine

    s = scenario_from_text(BASE)
    assert application_engine(s, "fast") == ("fast", None)
    assert application_engine(s, "simpy") == ("simpy", None)
    lam = s.options[0].model_copy(update={"instance_concurrency": 4})
    engine, note = application_engine(s.model_copy(update={"options": [lam, s.options[1]]}), "fast")
    assert engine == "simpy" and "lambda.instance_concurrency" in str(note)
    fn = s.application.functions["db"].model_copy(update={"error_rate": 0.5})  # type: ignore[union-attr]
    app = s.application.model_copy(  # type: ignore[union-attr]
        update={"functions": {**s.application.functions, "db": fn}}  # type: ignore[union-attr]
    )
    assert application_engine(s.model_copy(update={"application": app}), "fast")[0] == "fast"


def test_lambda_keeps_100_executions_unreserved() -> None:
    """Lambda PutFunctionConcurrency: the account keeps at least 100 concurrent executions
    unreserved (pricing-facts.md section 2), so with the default limit of 1,000 the functions
    may reserve 900 in all: 900 is accepted, 901 refused at the reservation written."""
    from costsim.simulate import check_scenario

    old = "{ingest: {memory: 1GB, reserved_concurrency: 10}}"
    check_scenario(scenario_from_text(_edit(old, old.replace("10}", "900}")), file="s.yaml"))
    s = scenario_from_text(_edit(old, old.replace("10}", "901}")), file="s.yaml")
    with pytest.raises(InputError) as info:
        check_scenario(s)
    assert info.value.field == "options.0.functions.ingest.reserved_concurrency"
    assert "less the 100 the account keeps unreserved: at most 900" in info.value.message


def test_static_sites_do_not_send_an_application_to_simpy() -> None:
    """A static site never enters an engine (its requests are counted from its own traffic
    stream, costsim/appsim/static.py), so planet9-platform, which has one, runs compiled."""
    from pathlib import Path

    from costsim.appsim.run import application_engine
    from costsim.scenario import load_scenario

    root = Path(__file__).resolve().parents[2]
    s = load_scenario(root / "scenarios" / "planet9-platform.yaml")
    assert s.application is not None and s.application.static
    assert application_engine(s, "fast") == ("fast", None)
