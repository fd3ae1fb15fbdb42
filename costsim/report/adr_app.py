"""The application section of a decision record: per-route, per-function and per-service
tables, with the application's charts (a run of a single function has none of it)."""

from __future__ import annotations

from typing import Any

from costsim.report.adr_common import ms, usd
from costsim.report.backlog import backlog_words
from costsim.report.doc import Block, Heading, Image, Para, Table

#: Services in the order the table shows them.
SERVICES = ("functions", "gateway", "queues", "workflows", "servers", "static site")
#: What a static site's latency cells say: the CDN serves it, and costsim does not simulate it.
NOT_SIMULATED = "not simulated"


def _route_rows(options: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    names = [r["name"] for r in options[0].get("routes", [])]
    for name in names:
        for o in options:
            r = next((x for x in o.get("routes", []) if x["name"] == name), None)
            if r is None:
                continue
            req, lat = r["requests"], r["latency_ms"]
            served = req["served"] > 0
            rows.append(
                [
                    name,
                    o["name"],
                    f"{req['arrived']:,}",
                    *(ms(lat[k]) if served else "-" for k in ("p50", "p95", "p99")),
                    f"{req.get('errors', 0):,}",
                    f"{req['throttled']:,}",
                    f"{req['dropped']:,}",
                ]
            )
    for site in options[0].get("static") or []:
        # the same on every option (a CDN serves it): one row
        rows.append(
            [site["name"] + " (static)", "every option", f"{site['requests']:,}"]
            + [NOT_SIMULATED] * 3
            + ["-"] * 3
        )
    return rows


def _static_rows(options: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            site["name"],
            f"{site['cdn']} / {site['origin'] or '-'}",
            f"{site['requests']:,}",
            f"{site['origin_requests']:,}",
            f"{site['gb_out']:,.3g}",
            usd(site["cost_usd"]["total"]),
        ]
        for site in options[0].get("static") or []
    ]


def _function_rows(options: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for o in options:
        for f in o.get("functions", []):
            inst = f.get("instances")
            cost = f.get("cost_usd")
            rows.append(
                [
                    f["name"],
                    o["name"],
                    f"{f['invocations']:,}",
                    f"{inst['mean']:.2f} / {inst['max']}" if inst else "in process",
                    f"{f['cold_starts']:,}",
                    f"{f['requests']['throttled']:,}",
                    f"{f.get('timed_out', 0):,}",
                    usd(cost["total"]) if cost else "in the servers",
                ]
            )
    return rows


def _queue_rows(options: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            q["name"],
            o["name"],
            f"{q['messages']:,}",
            f"{q['receives']:,}",
            f"{q['dead_lettered']:,}",
            f"{q['expired']:,}",
            ms(q["wait_ms"]["mean"]),
            ms(q["wait_ms"]["p99"]),
        ]
        for o in options
        for q in o.get("queues") or []
    ]


def _queue_blocks(options: list[dict[str, Any]], horizon_s: float) -> list[Block]:
    rows = _queue_rows(options)
    if not rows:
        return []
    blocks: list[Block] = [
        Heading(3, "Queues"),
        Para(
            "A message waits from its send until a consumer takes it (a failed one again after "
            "its visibility timeout); dead-lettered messages failed every receive, expired ones "
            "were never taken."
        ),
        Table(
            [
                "queue",
                "option",
                "messages",
                "receives",
                "dead-lettered",
                "expired",
                "wait (mean)",
                "wait (p99)",
            ],
            rows,
            "llrrrrrr",
        ),
    ]
    backed = [
        f"On {o['name']}, {w}." for o in options for w in backlog_words(o.get("queues"), horizon_s)
    ]
    return [*blocks, Para(" ".join(backed))] if backed else blocks


def _service_rows(options: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    used = [s for s in SERVICES if any(s in o.get("services_usd", {}) for o in options)]
    extra = sorted({s for o in options for s in o.get("services_usd", {})} - set(used))
    cols = used + extra
    rows = [
        [
            o["name"],
            *(usd(o["services_usd"][s]) if s in o["services_usd"] else "-" for s in cols),
            usd(o["cost_usd"]["total"]),
        ]
        for o in options
        if "services_usd" in o
    ]
    return cols, rows


def _static_blocks(apps: list[dict[str, Any]]) -> list[Block]:
    rows = _static_rows(apps)
    if not rows:
        return []
    return [
        Heading(3, "Static site"),
        Para(
            "A CDN serves the static site on every option, so its requests never reach the "
            "simulated functions or servers and it costs the same next to each option. Requests "
            "are counted from the site's own traffic stream, bytes from a response size drawn "
            "per request, origin fetches from the cache hit ratio. Its latency is not "
            "simulated (an edge cache answers at network speed, which costsim does not model). "
            "The cost is before the CDN's free allowance, which the service table includes."
        ),
        Table(
            ["site", "CDN / origin", "requests", "origin fetches", "GB out", "cost per month"],
            rows,
            "llrrrr",
        ),
    ]


def application_blocks(options: list[dict[str, Any]], horizon_s: float = 0.0) -> list[Block]:
    """The record's application section (empty for a single-function run)."""
    apps = [o for o in options if o.get("routes")]
    if not apps:
        return []
    blocks: list[Block] = [
        Heading(2, "The application: routes, functions and services"),
        Para(
            "Each route's latency is end to end: the authorizer check, every synchronous call on "
            "its path and the cold starts they met. Asynchronous work (queues, events) is not on "
            "the path; its functions appear below. Edge labels of the diagram are the rates "
            "measured in the run."
        ),
        Image("app_diagram", "The application: routes, functions, queues and measured rates"),
        Heading(3, "Routes"),
        Table(
            [
                "route",
                "option",
                "requests",
                "p50",
                "p95",
                "p99",
                "errors",
                "throttled",
                "dropped",
            ],
            _route_rows(apps),
            "llrrrrrrr",
        ),
        Image("route_latency", "Per-route end-to-end latency per option"),
        *_static_blocks(apps),
        Heading(3, "Functions"),
        Para(
            "Instances are the time mean and the most alive at once of each function's pool; on "
            "servers a function runs in process on the fleet's workers. A function's cost is "
            "before the account's free allowance, which the service table below includes."
        ),
        Table(
            [
                "function",
                "option",
                "invocations",
                "instances (mean / max)",
                "cold starts",
                "throttled",
                "timed out",
                "cost per month",
            ],
            _function_rows(apps),
            "llrrrrrr",
        ),
    ]
    blocks += _queue_blocks(apps, horizon_s)
    cols, rows = _service_rows(apps)
    if rows:
        blocks += [
            Heading(3, "Cost by service"),
            Table(["option", *cols, "total"], rows, "l" + "r" * (len(cols) + 1)),
            Image("app_cost", "Monthly cost by service and by function"),
        ]
    return blocks
