"""The archive made into a warehouse: each source's parse judged and kept (``acceptance``, ``parsed``),
then linking and the load (``stages``). ``minutes process`` and the Dagster assets both run these."""
