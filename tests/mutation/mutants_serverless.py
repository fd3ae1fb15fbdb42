"""Mutants of the serverless model: its shared rules, the SimPy reference and the compiled loop.

A mutant of a rule both engines call is caught by a hand-computed case (the differential tests
cannot see it: both engines change alike); a mutant of one engine's own procedure is caught by
comparing the engines. Tests are chosen small: the compiled ones pay one numba compile each.
"""

from __future__ import annotations

from mutant import Mutant

SL = "tests/unit/test_engine_serverless.py"
FAST = "tests/unit/test_fast_engine.py"
RULES = "costsim/platforms/rules.py"
SL_RULES = "costsim/platforms/serverless_rules.py"
DRIVER = "costsim/engine/fast_serverless.py"
STATE = "costsim/engine/fast_serverless_state.py"
STEPS = "costsim/engine/fast_serverless_steps.py"
SCHEDULE = "costsim/engine/fast_serverless_schedule.py"
PCS = "tests/unit/test_provisioned_schedule.py"
LIFE = "tests/unit/test_max_lifetime.py"

MUTANTS: list[Mutant] = [
    Mutant(
        "sl-ignore-warmup",
        RULES,  # the warm-up rule every model shares
        "return arrival_s >= warmup_s",
        "return True",
        (
            "tests/unit/test_warmup.py::test_warmup_drops_the_cold_start_from_latency_but_not_from_counts[simpy]",
        ),
    ),
    Mutant(
        "sl-keep-alive-off-by-one",
        RULES,
        "return now_s - idle_since_s > keep_alive_s",
        "return now_s - idle_since_s >= keep_alive_s",
        (f"{SL}::test_instance_is_still_warm_at_exactly_idle_plus_keep_alive",),
    ),
    Mutant(
        "sl-no-scale-rate-refill",
        RULES,
        "return min(capacity, tokens + elapsed_s * rate_per_s)",
        "return min(capacity, tokens)",
        (f"{SL}::test_scale_rate_bucket_throttles_as_computed",),
    ),
    Mutant(
        "sl-mru-tie-break",
        RULES,
        "return idle_a_s > idle_b_s or (idle_a_s == idle_b_s and id_a > id_b)",
        "return idle_a_s > idle_b_s or (idle_a_s == idle_b_s and id_a < id_b)",
        (f"{SL}::test_mru_breaks_an_idle_time_tie_to_the_highest_id",),
    ),
    Mutant(
        "sl-timeout-boundary",
        SL_RULES,
        "return duration_s > timeout_s",
        "return duration_s >= timeout_s",
        (f"{SL}::test_request_exactly_as_long_as_the_timeout_completes",),
    ),
    Mutant(
        "sl-throttle-at-limit-plus-one",
        SL_RULES,
        "return n_alive < concurrency_limit and tokens >= 1.0",
        "return n_alive <= concurrency_limit and tokens >= 1.0",
        (f"{SL}::test_concurrency_limit_one_throttles_overlapping_requests",),
    ),
    Mutant(
        "sl-lifetime-boundary",
        SL_RULES,  # an instance exactly max_lifetime old takes no new request
        "return now_s - created_s >= max_lifetime_s",
        "return now_s - created_s > max_lifetime_s",
        (f"{LIFE}::test_instance_takes_no_request_at_exactly_its_lifetime[simpy]",),
    ),
    Mutant(
        "sl-lifetime-cuts-the-request-in-flight",
        SL_RULES,  # a busy instance past its lifetime lives until its request ends
        "return min(idle_since_s + keep_alive_s, max(created_s + max_lifetime_s, idle_since_s))",
        "return min(idle_since_s + keep_alive_s, created_s + max_lifetime_s)",
        (f"{LIFE}::test_busy_instance_finishes_its_request_then_retires[simpy]",),
    ),
    Mutant(
        "sl-simpy-drops-init-from-latency",
        "costsim/engine/simpy_serverless.py",
        "latency_s = init_s + run_s",
        "latency_s = run_s",
        (f"{SL}::test_three_requests_one_second_apart_share_one_cold_instance",),
    ),
    # the compiled loop, against the reference
    Mutant(
        "sl-fast-drops-init-from-latency",
        STEPS,
        "latency_s = init_s + run_s",
        "latency_s = run_s",
        (f"{FAST}::test_cold_starts_take_the_cold_draws_in_order",),
    ),
    Mutant(
        "sl-fast-mru-ignores-idle-ties",
        STATE,
        "while j >= 0 and sf[IDLE, j] == sf[IDLE, tail]:",
        "while j >= 0 and False:",
        (f"{FAST}::test_lean_mru_kernel_grows_with_provisioned_instances_and_ties",),
    ),
    Mutant(
        "sl-fast-oldest-takes-newest",
        DRIVER,
        'r["sign"] = -1 if p.reuse_code == OLDEST else 1',
        'r["sign"] = 1',
        (f"{FAST}::test_reuse_policies_match_the_reference_on_poisson_traffic[1-oldest]",),
    ),
    Mutant(
        "sl-fast-lifetime-never-searched",
        STEPS,  # the bound that triggers the search of the idle list is never lowered
        "s.idle_created_s = min(s.idle_created_s, a.slot_f[CREATED, slot])",
        "s.idle_created_s = s.idle_created_s",
        (f"{LIFE}::test_a_steady_stream_cold_starts_once_per_lifetime[fast]",),
    ),
    Mutant(
        "sl-fast-active-period-from-creation",
        STEPS,
        "period_s = a.slot_f[IDLE, slot] - since_s",
        "period_s = a.slot_f[IDLE, slot] - a.slot_f[CREATED, slot]",
        (f"{FAST}::test_long_values_overflow_the_dense_histograms_and_their_array",),
    ),
    Mutant(
        "sl-active-period-exact-equality",
        SL_RULES,
        "now_s - idle_since_s < ACTIVE_PERIOD_GAP_S",
        "now_s - idle_since_s <= 0.0",
        (f"{SL}::test_requests_back_to_back_on_one_instance_are_one_active_period",),
    ),
    Mutant(
        "sl-schedule-window-end-one-step-late",
        "costsim/platforms/schedule.py",
        "edges.setdefault(t_close, [])",
        "edges.setdefault(t_close + 60.0, [])",
        (f"{PCS}::test_windows_combine_by_the_largest_count_over_the_base",),
    ),
    Mutant(
        "sl-fast-schedule-change-after-arrivals",
        SCHEDULE,
        "due_p = s.pc_pos < n_pc and a.pc_t[s.pc_pos] <= t_s",
        "due_p = s.pc_pos < n_pc and a.pc_t[s.pc_pos] < t_s",
        (f"{PCS}::test_an_arrival_at_a_change_point_sees_the_new_count_in_both_engines",),
    ),
]
