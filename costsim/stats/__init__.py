"""Distributions with analytic moments, shared by traffic (durations) and platforms (cold starts).

This package sits on the ground floor with ``units`` and ``errors``: traffic, platforms and the
scenario schema all read it, and it reads none of them.
"""
