"""The contract tests that book use the bookings tests' frozen clinic (`world`)."""

from tests.bookings.conftest import frozen, world  # noqa: F401
