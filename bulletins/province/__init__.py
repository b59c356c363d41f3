"""The province deployment: PostgreSQL, builds as Dramatiq jobs on workers over Redis, one
scheduler per database that only enqueues. Nothing here runs unless `[workers] broker_url`
is set (and `database_url` points at PostgreSQL); the one-machine default never imports it.
"""
