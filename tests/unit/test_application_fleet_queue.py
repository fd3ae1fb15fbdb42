"""A queue's failed messages on a fleet follow the queue's own redrive policy, as on the
serverless option: received again after ``visibility_timeout`` and dead-lettered at the
``max_receives``-th failed receive (Amazon SQS Developer Guide, "Visibility timeout" and
"Using dead-letter queues": a message whose receive count exceeds maxReceiveCount moves to
the DLQ). Before, the fleet retried them after Lambda's asynchronous 60 s / 120 s backoff up
to the function's ``async_retries``, so with a 30 s visibility timeout a failed message waited
twice as long on servers as on Lambda (found trying the tool as a user, session 5).

With failure probability p per receive and at most R receives, a message is received
1 + p + ... + p^(R-1) times on average and dead-lettered with probability p^R.
"""

from __future__ import annotations

import pytest

from costsim import scenario_from_text, simulate

SCENARIO = """\
name: redrive
horizon: 2h
seed: 5
application:
  functions:
    api: {{duration: {{dist: fixed, value: 5ms}}, steps: [{{send: jobs, via: queue}}]}}
    worker: {{duration: {{dist: fixed, value: 10ms}}, error_rate: {p}}}
  queues:
    jobs: {{consumer: worker, visibility_timeout: 30s, max_receives: {r}}}
  routes:
    - name: submit
      traffic: {{profile: constant, mean_rps: 2}}
      steps: [{{call: api}}]
options:
  - {{name: lambda, kind: serverless}}
  - {{name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 4,
     background_workers: 4}}
"""


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_fleet_queue_redrive_matches_the_queue_policy(engine: str) -> None:
    p, r = 0.5, 3
    result = simulate(scenario_from_text(SCENARIO.format(p=p, r=r)), engine=engine)
    for option in result.options:
        (queue,) = [q for q in option.queues or [] if q["name"] == "jobs"]
        messages = queue["messages"]
        assert messages > 10_000
        receives_per_message = queue["receives"] / messages
        dead_share = queue["dead_lettered"] / messages
        # 1 + p + p^2 = 1.75 receives, p^3 = 0.125 dead-lettered (binomial SE ~0.003)
        assert receives_per_message == pytest.approx(1 + p + p * p, abs=0.03), option.name
        assert dead_share == pytest.approx(p**r, abs=0.012), option.name
    lam, metal = result.options
    # a re-received message waited the visibility timeout on both options: same p99 wait
    lw = next(q for q in lam.queues or [] if q["name"] == "jobs")["wait_ms"]["p99"]
    mw = next(q for q in metal.queues or [] if q["name"] == "jobs")["wait_ms"]["p99"]
    assert 59_000 <= mw <= 61_000 and abs(mw - lw) < 1_000
