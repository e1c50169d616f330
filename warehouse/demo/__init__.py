"""Demo data for ``manage.py seed_demo``, made through the real services.

users -> layout (sites, zones, bins) -> catalog (suppliers, products) -> profiles (demand,
home bins) -> history (90 days through the ledger, planned on an in-memory floor) -> open work
(trucks on the docks, tasks, blocked bins). ``seed.demo_seed`` runs the phases.
"""
