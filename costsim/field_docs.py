"""What each scenario field means, for the JSON Schema and docs/SCENARIO.md
(:mod:`costsim.schema`): data only, keyed by ``Model.field`` or by a field name shared by
several models."""

from __future__ import annotations

#: What each field means, by ``Model.field`` or by field name (shared meaning).
FIELD_DOCS: dict[str, str] = {
    "Scenario.name": "Name of the scenario, used in outputs and file names.",
    "Scenario.description": "One line on what the scenario asks.",
    "Scenario.horizon": "Simulated time; usage is scaled to a 730-hour month before pricing. "
    "Cover one period of the traffic (a week for weekly patterns).",
    "Scenario.warmup": "Requests arriving before this time are left out of latency statistics "
    "(counts and costs still include them).",
    "Scenario.seed": "Seed of every random stream; the same seed gives the same bytes.",
    "Scenario.traffic": "The arrival process: one profile, or {sum: [profile, ...]}.",
    "Scenario.workload": "What one request does.",
    "Scenario.options": "The hosting options to compare (serverless, vps, bare_metal).",
    "Scenario.slo": "Service-level objectives an option must meet to be chosen.",
    "Scenario.catalogs": "Pin a catalog version (aws-lambda: '2026-10') or name a catalog "
    "file of your own (relative to the scenario).",
    "Workload.duration": "Service time of one request on the reference machine.",
    "Workload.cpu_bound": "Share of the duration that is CPU work; on serverless it scales "
    "with the CPU share memory buys (1,769 MB = 1 vCPU).",
    "Workload.reference_memory": "Function memory at which the duration was measured.",
    "Workload.threads": "Threads the code keeps busy; single-threaded code gains nothing "
    "above 1 vCPU.",
    "Workload.payload": "Response size per request, for data-transfer cost.",
    "name": "Name of the option, unique in the scenario; sweeps address options by it.",
    "kind": "Which kind of hosting this option is.",
    "ServerlessOption.provider": "Catalog key of the function product (aws-lambda, "
    "azure-functions, gcp-cloud-run, cloudflare-workers, ...).",
    "arch": "CPU architecture; chooses the priced variant on AWS Lambda.",
    "plan": "The priced variant for products not split by architecture (consumption, "
    "flex-consumption, request-based, instance-based, standard).",
    "memory": "Memory of each function instance; it buys CPU share on Lambda.",
    "cold_start": "Initialisation time of a new instance (a distribution). The default is "
    "not a measurement: measure your runtime and set it.",
    "keep_alive": "How long an idle instance stays warm before it is reclaimed.",
    "concurrency_limit": "Most instances running or initialising at once (account limit).",
    "scale_rate": "A token bucket on new instances: {instances, per}; unset, the product's "
    "published rate (AWS Lambda: 1,000 per 10 s per function).",
    "ServerlessOption.timeout": "Longest an invocation may run (default: the product's limit, "
    "15 min on AWS Lambda); a longer one holds its instance that long, is billed that long and "
    "is counted timed_out, not served.",
    "ServerlessOption.max_lifetime": "Age at which the platform recycles an instance even while "
    "it is busy: from then on it takes no new request, finishes those in flight and is retired "
    "(the next request there is a cold start). `off` never recycles. Unset, the product's "
    "(AWS Lambda: 2 h, 'every few hours' in the Lambda docs, about 2 h measured; off for products "
    "that publish none). Provisioned instances are replaced warm and never age out.",
    "Workload.arm64_speedup": "How many times faster a request runs on arm64 than on x86_64, "
    "where duration was measured; 1.0 keeps them equal, so arch changes only the price.",
    "reuse": "Which warm idle instance takes a request: most recently used (mru), newest, "
    "oldest or random.",
    "provisioned_concurrency": "Instances kept warm all the time (billed whether used or not); "
    "with a provisioned_schedule, the count outside its windows.",
    "provisioned_schedule": "Windows of provisioned concurrency (ScheduleWindow): the count is "
    "the largest of the windows open, at least provisioned_concurrency. A rise adds warm "
    "instances (no cold start); a fall turns the newest provisioned instances on demand, which "
    "are reclaimed after keep_alive. Day 0 of the run is a Monday (cron dates: 2024-01-01).",
    "ScheduleWindow.count": "Provisioned instances while the window is open.",
    "ScheduleWindow.start": "Dated window: when it opens, from the start of the run (with end).",
    "ScheduleWindow.end": "Dated window: when it closes, after start.",
    "ScheduleWindow.at": "Daily or weekly window: opening time of day, HH:MM (with until).",
    "ScheduleWindow.until": "Closing time of day, HH:MM; before at, the window ends the next day.",
    "ScheduleWindow.days": "Weekdays the at/until window opens on (mon ... sun); unset, every day.",
    "ScheduleWindow.cron": "A 5-field cron expression (minute hour day month weekday): the window "
    "opens at every minute it matches (with duration).",
    "ScheduleWindow.duration": "How long a cron window stays open after each firing.",
    "instance_concurrency": "Requests one instance serves at once (Cloud Run style).",
    "billing_granularity": "Duration billing increment (default: from the catalog).",
    "init_billed": "Whether initialisation is billed (default: from the catalog).",
    "ServerlessOption.free_tier": "Count the provider's monthly free allowance, as if this "
    "function had it to itself.",
    "ephemeral_storage": "Temporary disk per instance (above the included 512 MB is billed).",
    "extras": "Priced add-ons billed per invocation: a key (api-gateway-http) or "
    "{catalog, item, per_request}.",
    "prices": "Price overrides by price name, in the catalog's units.",
    "workers": "Concurrent requests per instance (server).",
    "balancer": "How requests are spread: shared_queue, round_robin, random, least_connections.",
    "queue_limit": "Most requests waiting per fleet; later ones are dropped.",
    "queue_timeout": "Longest wait in the queue; requests waiting longer are dropped.",
    "VpsOption.instance": "Catalog key of the virtual machine (hetzner-cx33, t3.medium, ...).",
    "VpsOption.count": "Fixed number of instances (or give autoscale).",
    "autoscale": "Target tracking on utilisation instead of a fixed count.",
    "savings_plan_discount": "Discount of a savings plan or reservation on the machines.",
    "BareMetalOption.server": "Catalog key of the server (hetzner-ax42, ...).",
    "BareMetalOption.count": "Number of servers; omitted, costsim sizes the fleet for the peak.",
    "sizing_utilization": "Target utilisation at the peak when costsim sizes the fleet.",
    "commitment_months": "Months over which the setup fee is spread.",
    "ops_usd_per_server_month": "Operations cost per server and month (staff, spares) [USD].",
    "Autoscale.min": "Fewest instances.",
    "Autoscale.max": "Most instances.",
    "target_utilization": "Utilisation the group steers to.",
    "boot_time": "Delay from launch until a new instance serves (billed from launch).",
    "cooldown": "Wait after a scaling action before the next.",
    "evaluation_period": "How often the policy looks at utilisation.",
    "ScaleRate.instances": "New instances the bucket allows per period.",
    "ScaleRate.per": "The bucket's period.",
    "Slo.p99": "Highest acceptable p99 latency.",
    "Scenario.batch": "Batch jobs: the window each released batch must be done in; summary.json "
    "then says per option whether it was and the makespan (first arrival to last completion).",
    "Batch.window": "Time each batch has, from its release to its last job served; missing it "
    "counts as missing the SLO.",
    "Batch.every": "Time between releases (default: the schedule traffic's every).",
    "Batch.offset": "First release (default: the schedule traffic's offset, else 0).",
    "Batch.route": "Application scenarios: the route whose requests are the jobs (its "
    "schedule gives every and offset); unset, every route's requests.",
    "throttle_rate": "Highest acceptable share of throttled requests.",
    "drop_rate": "Highest acceptable share of dropped requests.",
    "Extra.key": "An add-on catalog key (api-gateway-http, ...).",
    "Extra.catalog": "A catalog name, with item, for any catalog item.",
    "Extra.item": "The item of catalog.",
    "per_request": "Quantity per invocation (6 state transitions, 0.05 authorizer calls).",
    "Extra.free_tier": "Override the option's free_tier for this extra.",
    "scale": "Multiplies the traffic's rate (or a schedule's count).",
    "profile": "Which traffic profile this is.",
    "mean_rps": "Mean arrival rate.",
    "peak_to_trough": "Ratio of the busiest to the quietest hour of the day.",
    "peak_hour": "Hour of the day (0-24) of the peak.",
    "weekend_factor": "Rate on Saturdays and Sundays relative to weekdays.",
    "growth_per_month": "Relative growth of the rate per month.",
    "base_rps": "Rate before and after the spike.",
    "start": "When the spike starts.",
    "ramp": "Time to reach the peak.",
    "peak_multiplier": "Peak rate relative to the base rate.",
    "decay": "Time constant of the exponential decay after the peak.",
    "every": "Period of the batches.",
    "Schedule.count": "Invocations per batch.",
    "window": "Span over which each batch's invocations arrive.",
    "offset": "Start of the first batch.",
    "at": 'Clock time of the first batch on day one ("02:00"; time 0 is Monday 00:00), '
    "instead of offset.",
    "spread": "How arrivals are placed: uniform, equidistant or poisson (schedule); "
    "how counts are spread in each interval (replay).",
    "states": "The MMPP's states, each {rate, mean_sojourn}.",
    "transitions": "Jump probabilities between states (default: uniform).",
    "rate": "Arrival rate in this state.",
    "mean_sojourn": "Mean time spent in this state.",
    "sum": "Independent profiles added together.",
    "format": "Trace format: timestamps, counts, azure-2019, azure-2021.",
    "path": "The trace file, relative to the scenario file.",
    "interval": "Length of one count interval of a count series.",
    "function": "The function (hash) to replay from an Azure trace.",
    "app": "The application (hash) to replay from an Azure trace.",
    "top": "Replay the n busiest functions of an Azure trace.",
    "durations_path": "Azure durations file, for per-function durations.",
    "dist": "Which distribution this is.",
    "value": "The fixed value.",
    "Exponential.mean": "Mean of the exponential distribution.",
    "Gamma.mean": "Mean of the gamma distribution.",
    "cv": "Coefficient of variation (standard deviation / mean).",
    "median": "Median (50th percentile).",
    "Lognormal.p99": "99th percentile.",
    "percentiles": "Quantiles {probability: value} to interpolate between.",
    "samples": "Observed values to resample.",
    "of": "Components {weight, duration} of the mixture.",
    "Workload.cpu_time": "CPU time per request, for products that bill CPU time (Cloudflare "
    "Workers); when not given, the cpu_bound share of each duration is taken as CPU time.",
    "scale_mode": "How a request log is scaled: superpose (shifted copies of the log, keeping "
    "its burstiness) or duplicate (each request repeated at the same instant).",
    "scale_shift": "Largest random offset of each superposed copy of a log.",
    "Weibull.scale": "Scale of the Weibull distribution.",
    "shape": "Shape of the Weibull distribution (below 1: heavier tail than exponential).",
    "_Component.weight": "Relative weight of this component in the mixture.",
    "_Component.duration": "The component's distribution.",
    "Scenario.application": "Many functions as one system: functions, routes (each with its "
    "own traffic) and queues, instead of one traffic and workload.",
    "ServerlessOption.workflow_type": "For an application: run every workflow on this option as "
    "Step Functions standard (per state transition) or express (per request and GB-second); "
    "unset, each route's workflow.type.",
    "ServerlessOption.functions": "Per-function settings of an application on this option "
    "(memory, keep_alive, reserved_concurrency, provisioned, provisioned_schedule, "
    "instance_concurrency, cold_start).",
    "FunctionSettings.provisioned_schedule": "Windows of this function's provisioned instances "
    "(ScheduleWindow, as a single function's provisioned_schedule): the count is the largest "
    "open window's, at least provisioned; each enabled period is billed rounded up.",
    "FunctionSettings.instance_concurrency": "Executions one instance of this function runs at "
    "once; unset, the option's instance_concurrency.",
    "FunctionSettings.reserved_concurrency": "Concurrent executions reserved for (and "
    "capping) this function.",
    "FunctionSettings.provisioned": "Instances of this function kept warm all the time.",
    "background_workers": "For an application: slots per server kept for asynchronous jobs "
    "(queued sends); without them, jobs share the workers with requests.",
    "Application.functions": "The application's functions by name, each {duration, ...}.",
    "Application.routes": "Entry points, each with its own traffic and steps or workflow.",
    "Application.queues": "Message queues by name, each with its consumer function.",
    "Application.static": "Static sites a CDN serves next to every option (priced from their "
    "traffic, not simulated), each {name, traffic, response_size, cache_hit_ratio, cdn, ...}.",
    "Route.name": "Name of the route, used in per-route results.",
    "Route.traffic": "The route's own arrival process (a traffic profile).",
    "Route.authorizer": "A custom authorizer function called before the route, with a cache.",
    "Route.steps": "Calls and sends the route makes, in order.",
    "Route.workflow": "A Step Functions style workflow the route starts instead of steps.",
    "Route.gateway": "The API gateway add-on that prices the route's requests (none: no gateway).",
    "Authorizer.function": "The authorizer function.",
    "Authorizer.cache_ttl": "How long an authorizer result is cached per client.",
    "Authorizer.clients": "Distinct clients sharing the traffic (each has its own cache entry).",
    "Workflow.type": "Step Functions workflow type: standard (per transition) or express.",
    "Workflow.states": "The workflow's states in order.",
    "Workflow.retry": "Retry policy applied to the workflow's states.",
    "Workflow.memory": "Memory an express workflow is billed for.",
    "Retry.error_rate": "Probability that an attempt fails.",
    "Retry.max_attempts": "Most attempts, the first included.",
    "Retry.interval": "Wait before the first retry.",
    "Retry.backoff": "Factor by which the wait grows after each retry.",
    "CallStep.call": "The function called synchronously (the caller waits).",
    "SendStep.send": "The function (or queue consumer) sent an event asynchronously.",
    "SendStep.via": "How it is sent: queue (a message queue) or async (an asynchronous "
    "invocation).",
    "CallState.call": "The function the state runs.",
    "CallState.retry": "Retry policy of this state.",
    "MapState.map": "The function run once per item.",
    "MapState.items": "Items per execution, as a distribution of a count (no unit), e.g. "
    "{dist: fixed, value: 25}.",
    "MapState.max_concurrency": "Most items in flight (none: all at once).",
    "MapState.retry": "Retry policy of each item.",
    "ParallelState.parallel": "Branches run at once; the state waits for all of them.",
    "ChoiceState.choice": "Branches, one taken per execution with its probability.",
    "ChoiceBranch.p": "Probability that this branch is taken.",
    "ChoiceBranch.states": "The branch's states in order.",
}
