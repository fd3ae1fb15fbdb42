"""Closed-form references, each with the source it is taken from.

Erlang B (M/M/c/c blocking) and Erlang C (M/M/c probability of waiting, mean wait
``W_q = C(c, a) / (c mu - lambda)``): Kleinrock (1975), sections 3.5 and 3.7. M/M/c/K
(finite waiting room): Gross et al. (2008), section 2.6. M/G/inf: the number of requests in
service is Poisson with mean ``lambda E[S]`` for any service distribution (Takacs 1962; Gross
et al. 2008, section 6.1). Little's law ``L = lambda W`` (Little 1961) applied to the servers:
busy servers on average = ``lambda E[S]``.
"""

from __future__ import annotations

import math

#: Citation key -> full reference, as listed in docs/VALIDATION.md.
CITATIONS: dict[str, str] = {
    "kleinrock": "L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley, 1975 "
    "(sections 3.5 M/M/m, 3.7 M/M/m/m).",
    "gross": "D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris, *Fundamentals of Queueing "
    "Theory*, 4th ed., Wiley, 2008 (section 2.6 M/M/c/K; section 6.1 M/G/inf).",
    "takacs": "L. Takacs, *Introduction to the Theory of Queues*, Oxford University Press, 1962 "
    "(M/G/inf occupancy is Poisson).",
    "little": "J. D. C. Little, A proof for the queuing formula L = lambda W, *Operations "
    "Research* 9(3):383-387, 1961.",
    "sevastyanov": "B. A. Sevastyanov, An ergodic theorem for Markov processes and its "
    "application to telephone systems with refusals, *Theory of Probability and its "
    "Applications* 2(1):104-112, 1957 (Erlang B holds for any service distribution).",
    "renewal": "S. M. Ross, *Stochastic Processes*, 2nd ed., Wiley, 1996 (section 3.6, "
    "renewal-reward processes); a TTL cache's refresh rate for Poisson requests.",
    "kleinrock-mg1": "L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley, 1975 "
    "(section 5.7, the Pollaczek-Khinchine mean-value formula for M/G/1).",
    "simfaas": "N. Mahmoudi, H. Khazaei, SimFaaS: A Performance Simulator for Serverless "
    "Computing Platforms, *CLOSER 2021*, pp. 23-33 (arXiv:2102.08904); PyPI `simfaas` 0.2.2.",
    "pacsltk": "N. Mahmoudi, H. Khazaei, Performance Modeling of Serverless Computing "
    "Platforms, *IEEE Transactions on Cloud Computing* 10(4):2834-2847, 2022 "
    "(doi:10.1109/TCC.2020.3033373); PyPI `pacsltk` 0.2.0, `perfmodel.get_sls_warm_count_dist`.",
    "mle": "R. A. Fisher, On the mathematical foundations of theoretical statistics, *Phil. "
    "Trans. R. Soc. A* 222:309-368, 1922 (maximum likelihood: consistent, bias O(1/n)); fits by "
    "`scipy.stats` `fit` with the location fixed at 0; H. Akaike, A new look at the statistical "
    "model identification, *IEEE Trans. Automatic Control* 19(6):716-723, 1974 (AIC).",
    "diurnal": "costsim's own `diurnal` profile (README) as the generator; the fit is the "
    "least-squares harmonic regression of `costsim.calibrate.profile_fit`.",
    "fixture": "tests/fixtures/make_logs.py: invocations simulated outside costsim (Poisson "
    "arrivals, lognormal durations and Init Durations, an MRU pool with a 10 min keep-alive), "
    "written as `aws logs tail` REPORT lines; Billed Duration = ceil(Init + Duration) as "
    "billed since 2025-08-01 (AWS Compute Blog, 'AWS Lambda standardizes billing for INIT "
    "Phase').",
    "aws": "AWS Lambda pricing, https://aws.amazon.com/lambda/pricing/ (us-east-1, x86_64: "
    "USD 0.20 per million requests, 1M free; USD 0.0000166667 per GB-s for the first 6 billion "
    "GB-s a month, 0.000015 for the next 9 billion, 0.0000133334 beyond; 400,000 GB-s free; "
    "tiers on aggregate monthly usage; 1 ms rounding, 100 ms before December 2020).",
}


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a = lambda / mu`` [Erlang].

    Stable recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``.
    """
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an M/M/c arrival waits, with ``a = lambda / mu < c`` [Erlang].

    ``C = c B / (c - a (1 - B))`` with ``B`` the Erlang B value for the same ``c`` and ``a``.
    """
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait_s(c: int, rate_rps: float, mean_s: float) -> float:
    """Mean wait in queue of M/M/c [s]: ``C(c, a) / (c mu - lambda)``."""
    return erlang_c(c, rate_rps * mean_s) / (c / mean_s - rate_rps)


def mmck_blocking(c: int, k: int, a: float) -> float:
    """Share of arrivals lost by M/M/c/K (``c`` servers, ``k >= c`` in the system).

    ``p_n`` is proportional to ``a^n / n!`` for ``n <= c`` and to ``a^c / c! (a / c)^(n - c)``
    above; the loss share is ``p_K`` (PASTA).
    """
    terms = []
    for n in range(k + 1):
        if n <= c:
            terms.append(a**n / math.factorial(n))
        else:
            terms.append(a**c / math.factorial(c) * (a / c) ** (n - c))
    return terms[k] / sum(terms)
