"""The audit log itself: append-only in the database, read-only in the admin."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client as BrowserClient
from django.test import RequestFactory

from clinic import audit
from clinic.models import AuditEntry, Clinic
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(admin_user):
    request = RequestFactory().get("/api/v1/treatment-notes/3/", REMOTE_ADDR="198.51.100.4")
    request.user = admin_user
    return audit.record(request, audit.AuditAction.READ, "treatments.treatmentnote", 3)


def refused(statement):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        statement()


def test_the_database_refuses_to_update_an_audit_entry(entry):
    refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="delete"))
    entry.action = "list"
    refused(entry.save)

    entry.refresh_from_db()
    assert entry.action == "read"


def test_the_database_refuses_to_delete_an_audit_entry(entry):
    refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM clinic_auditentry")

    refused(raw_delete)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_new_entries_are_still_appended(entry, admin_user):
    request = RequestFactory().get("/x/")
    request.user = admin_user

    audit.record(request, audit.AuditAction.LIST, Clinic, object_ids=[1, 2])

    assert AuditEntry.objects.count() == 2
    assert AuditEntry.objects.first().object_type == "clinic.clinic"


def test_a_user_with_audit_entries_cannot_be_deleted(entry, admin_user):
    with pytest.raises(ProtectedError):
        admin_user.delete()


@pytest.mark.parametrize(
    ("meta", "trusted_proxies", "expected"),
    [
        ({"REMOTE_ADDR": "192.0.2.1"}, [], "192.0.2.1"),
        ({"REMOTE_ADDR": "::1"}, [], "::1"),
        ({"REMOTE_ADDR": "not an address"}, [], None),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, [], "10.0.0.2"),
        (
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"},
            ["10.0.0.2"],
            "203.0.113.5",
        ),
        ({"REMOTE_ADDR": "10.0.0.2"}, ["10.0.0.0/8"], "10.0.0.2"),
    ],
)
def test_remote_address(settings, meta, trusted_proxies, expected):
    settings.TRUSTED_PROXIES = trusted_proxies
    request = RequestFactory().get("/", **meta)

    assert audit.remote_address(request) == expected


class TestAdmin:
    @pytest.fixture
    def browser(self, admin_user):
        browser = BrowserClient()
        browser.force_login(admin_user)
        return browser

    def test_the_admin_lists_and_filters_entries(self, browser, entry):
        for query in ("", "?action__exact=read", "?object_type=treatments.treatmentnote", "?q=3"):
            page = browser.get(f"/admin/clinic/auditentry/{query}")
            assert page.status_code == 200, query
            assert b"198.51.100.4" in page.content
        assert browser.get("/admin/clinic/auditentry/?q=nonsense").status_code == 200

    def test_nobody_adds_changes_or_deletes_entries_in_the_admin(self, browser, entry):
        assert browser.get("/admin/clinic/auditentry/add/").status_code == 403
        assert browser.get(f"/admin/clinic/auditentry/{entry.pk}/delete/").status_code == 403
        page = browser.post(f"/admin/clinic/auditentry/{entry.pk}/change/", {"action": "list"})
        assert page.status_code == 403
        entry.refresh_from_db()
        assert entry.action == "read"

    def test_an_entry_can_be_viewed(self, browser, entry):
        page = browser.get(f"/admin/clinic/auditentry/{entry.pk}/change/")

        assert page.status_code == 200
        assert b"treatments.treatmentnote" in page.content


def test_clinic_staff_without_superuser_rights_do_not_see_the_log(entry):
    staff = factories.make_user(is_staff=True)
    browser = BrowserClient()
    browser.force_login(staff)

    assert browser.get("/admin/clinic/auditentry/").status_code == 403
