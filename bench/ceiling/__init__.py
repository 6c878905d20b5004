"""The bench-only ceiling: the cheapest work the framework does on the same server, database,
broker and auth, so every benchmark can print the project's figure beside it and their ratio.

Installed only by `bench.ratio_settings` (production settings never name it): a one-table
model, a plain DRF `ModelViewSet` to create rows of it, and a Celery task doing one UPDATE.
"""
