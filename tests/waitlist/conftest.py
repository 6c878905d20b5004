"""The waitlist is tried on the bookings tests' frozen clinic (`world`); its offer messages go
through the notifications dispatcher, so the notifications fixtures (eager Celery, outboxes)
are here too."""

from tests.bookings.conftest import frozen, world  # noqa: F401
from tests.notifications.conftest import eager, outbox, sms_outbox  # noqa: F401
