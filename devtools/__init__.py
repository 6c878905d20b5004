"""Development-only tooling: the embedded PostgreSQL and Redis. Not in the production image."""
