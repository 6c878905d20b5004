"""Test-run environment, set before Django reads its settings."""

import os

os.environ.setdefault("SECRET_KEY", "kneadly-tests-only")
# The test client speaks plain HTTP; the redirect itself is covered by the deploy-check test.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The schema is what the fuzz and contract tests read; its off state is tested on its own.
os.environ.setdefault("API_DOCS_PUBLIC", "1")
# Many tests travel in time with one sign-in; the expiry itself is tested with its own setting.
os.environ.setdefault("API_TOKEN_TTL_HOURS", str(24 * 365 * 50))
