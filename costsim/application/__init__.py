"""Applications: many functions, one system (routes, call chains, queues and workflows).

A scenario may describe an ``application`` instead of one ``traffic`` + ``workload``:
:mod:`costsim.application.schema` holds its shape, :mod:`costsim.application.checks` the checks
that need the whole graph (unknown functions, cycles, queues without consumers).
"""
