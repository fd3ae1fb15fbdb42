"""Mutants of the fleet model (VPS, bare metal): its rules, the SimPy reference and the kernel.

A mutant of a rule both engines call (``costsim/platforms/fleet_rules.py``, the balancer in
``rules.py``) changes both engines alike, so the differential tests cannot see it: a
hand-computed SimPy case catches it. A mutant of one engine's own procedure is caught by
comparing the engines on a small deterministic stream (``test_fast_fleet_step_matches_simpy``).
Tests are chosen small: each compiled one pays a numba compile of the fleet kernel (~2 min).
"""

from __future__ import annotations

from mutant import Mutant

FLEET = "tests/unit/test_engine_fleet.py"
FAST = "tests/unit/test_fast_engine.py"
RULES = "costsim/platforms/rules.py"
FL_RULES = "costsim/platforms/fleet_rules.py"
STEPS = "costsim/engine/fast_fleet_steps.py"
QUEUES = "costsim/engine/fast_fleet_queues.py"
SIMPY = "costsim/engine/simpy_fleet.py"

MUTANTS: list[Mutant] = [
    # -- rules both engines call: hand-computed cases ----------------------------------------
    Mutant(
        "fl-ignore-warmup",
        RULES,  # the warm-up rule every model shares
        "return arrival_s >= warmup_s",
        "return True",
        (f"{FLEET}::test_warmup_leaves_early_arrivals_out_of_latency_only",),
    ),
    Mutant(
        "fl-least-connections-tie-break",
        RULES,
        "if active[i] + queued[i] < active[best] + queued[best]:",
        "if active[i] + queued[i] <= active[best] + queued[best]:",
        (f"{FLEET}::test_least_connections_breaks_ties_to_the_lowest_id",),
    ),
    Mutant(
        "fl-queue-timeout-off-by-one",
        FL_RULES,
        "return now_s - arrival_s > timeout_s",
        "return now_s - arrival_s >= timeout_s",
        (f"{FLEET}::test_queue_timeout_serves_a_request_that_waits_exactly_the_timeout",),
    ),
    Mutant(
        "fl-queue-limit-off-by-one",
        FL_RULES,
        "return length >= limit",
        "return length > limit",
        (f"{FLEET}::test_queue_limit_drops_arrivals_beyond_it",),
    ),
    Mutant(
        "fl-no-cooldown",
        FL_RULES,
        "return now_s - last_action_s >= cooldown_s",
        "return True",
        (f"{FLEET}::test_scale_in_waits_for_the_cooldown",),
    ),
    Mutant(
        "fl-no-scale-from-zero",
        FL_RULES,
        "        return max(desired, 1)\n",
        "        return desired\n",
        (f"{FLEET}::test_autoscaling_from_zero_launches_when_work_waits",),
    ),
    Mutant(
        "fl-evaluations-stop-before-the-horizon",
        FL_RULES,
        "return t_s <= horizon_s",
        "return t_s < horizon_s",
        (f"{FLEET}::test_an_evaluation_at_exactly_the_horizon_still_runs",),
    ),
    # -- one engine's own procedure: engines compared ------------------------------------------
    Mutant(
        "fl-simpy-boot-delay-ignored",
        SIMPY,
        "boot_s = now_s + policy.boot_time_s",
        "boot_s = now_s",
        (f"{FLEET}::test_autoscaling_launches_after_one_period_and_serves_after_boot",),
    ),
    Mutant(
        "fl-fast-boot-delay-ignored",
        STEPS,
        "boot_s = now_s + prm.boot_time_s",
        "boot_s = now_s",
        (f"{FAST}::test_fast_fleet_step_matches_simpy[boot]",),
    ),
    Mutant(
        "fl-fast-ignore-warmup",
        QUEUES,
        "if counts_in_latency(arrival_s, prm.warmup_s):",
        "if True:",
        (f"{FAST}::test_fast_fleet_step_matches_simpy[warmup]",),
    ),
    Mutant(
        "fl-fast-no-cooldown",
        STEPS,
        "elif desired < total and cooldown_over(now_s, st.last_action_s[0], prm.cooldown_s):",
        "elif desired < total:",
        (f"{FAST}::test_fast_fleet_step_matches_simpy[cooldown]",),
    ),
]
