"""Benchmarks: `python -m bench [NAME ...]` (all by default), or `make bench`.

Each benchmark builds its own data in a throwaway database on the same PostgreSQL server
(``wms_bench``), so the development data is never touched. See docs/benchmarks.md.
"""
