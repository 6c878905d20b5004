"""Fixtures for reminders and notices: bookings ahead, eager Celery, outboxes.

(In their own folder so the bookings tests of other features keep their own conftest.)
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import app as celery_app
from notifications.channels import LocmemSmsBackend
from tests import factories
from tests.bookings.conftest import frozen, world  # noqa: F401  (the API tour books in it)


@pytest.fixture
def eager():
    """Tasks run in-process when published; a retry runs again at once (no countdown).
    Errors stay in the eager result (`.get()` raises them), as propagating would stop the
    retry chain."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "notifications.channels.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def people(clinic):
    service = factories.make_service()
    therapist = factories.make_therapist(services=[service], display_name="Tess Moreau, RMT")
    client = factories.make_client(first_name="Carl", last_name="Bishop", phone="+1 416 555 0199")
    return therapist, client, service


def in_hours(hours: float):
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


@pytest.fixture
def make_booking(people):
    """make_booking(hours_ahead, **fields): a booking inserted directly, without the seam."""
    therapist, client, service = people

    def make(hours_ahead: float = 48, **fields):
        fields.setdefault("therapist", therapist)
        fields.setdefault("client", client)
        return factories.make_booking(service=service, start=in_hours(hours_ahead), **fields)

    return make
