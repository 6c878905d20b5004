"""Privacy is tried on the treatments tests' small clinic (`chart`)."""

from tests.treatments.conftest import chart  # noqa: F401
