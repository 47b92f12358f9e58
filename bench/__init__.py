"""Benchmarks of the inburgering pipeline against its baselines, run by ``python -m bench`` (``make bench``).

See ``docs/performance.md`` for what is measured, how, and the latest results.
"""
