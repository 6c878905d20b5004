"""Test-run environment, set before Django reads its settings."""

import os

os.environ.setdefault("SECRET_KEY", "kneadly-tests-only")
# The test client speaks plain HTTP; the redirect itself is covered by the deploy-check test.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
