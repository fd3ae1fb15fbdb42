"""Applications in the simulation chain: plan each option's pools or service, run the
application engine (:mod:`costsim.engine.app`), price pools, gateways, queues and workflows, and
build the per-route, per-function and per-queue result blocks.

The application's shape and its graph checks live below, in :mod:`costsim.application`, where
the scenario, the option kinds and the engine can read them.
"""
