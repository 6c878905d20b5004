"""The layout migration moves Reminder and Notice to `notifications` and the waitlist to
`waitlist` without moving a row: the tables keep their bookings_* names, and bookings 0006 moves
the content types so the admin permissions stay attached.

Each test migrates the test database to the schema before the split, fills it through the
historical models, migrates across and checks every row, relation and content type; it leaves
the database at the leaf nodes, as the rest of the suite expects.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState

from bookings.models import Booking
from notifications.models import Notice, Reminder
from waitlist.models import WaitlistEntry, WaitlistOffer

SPLIT = ("bookings", "0006_move_notifications_and_waitlist_out")
NEW_APPS = ("notifications", "waitlist")
# model -> the app that owns it after the split; before it, bookings owned all four.
MOVED = {
    "reminder": "notifications",
    "notice": "notifications",
    "waitlistentry": "waitlist",
    "waitlistoffer": "waitlist",
}
BEFORE = dict.fromkeys(MOVED, "bookings")
TABLES = {f"bookings_{model}" for model in MOVED}
CURRENT = {
    "booking": Booking,
    "reminder": Reminder,
    "notice": Notice,
    "waitlistentry": WaitlistEntry,
    "waitlistoffer": WaitlistOffer,
}
# The permissions a front-desk group holds on moved models (codename, model).
PERMISSIONS = [("view_reminder", "reminder"), ("change_waitlistoffer", "waitlistoffer")]
START = datetime(2030, 3, 4, 15, 0, tzinfo=UTC)


def executor() -> MigrationExecutor:
    """A fresh executor: its loader reads what django_migrations says now."""
    return MigrationExecutor(connection)


def migrate(targets) -> MigrationExecutor:
    ex = executor()
    ex.migrate(targets)
    ex.loader.build_graph()
    return ex


def leaf_nodes(ex: MigrationExecutor) -> list[tuple[str, str]]:
    return sorted(ex.loader.graph.leaf_nodes())


def previous_schema(ex: MigrationExecutor) -> list[tuple[str, str | None]]:
    """Every app at its latest migration before the split: the new apps unapplied, bookings at
    0005, and any other app walked back past migrations that need the split."""
    graph = ex.loader.graph

    def after_split(node):
        return node[0] in NEW_APPS or SPLIT in graph.forwards_plan(node)

    targets = []
    for app, name in leaf_nodes(ex):
        node = (app, name)
        while node is not None and after_split(node):
            parents = [p.key for p in graph.node_map[node].parents if p.key[0] == app]
            assert len(parents) <= 1, f"{node} merges {parents}: pick the pre-split one by hand"
            node = parents[0] if parents else None
        targets.append(node or (app, None))
    assert ("bookings", "0005_waitlist") in targets
    assert ("notifications", None) in targets and ("waitlist", None) in targets
    return targets


def state_apps(ex: MigrationExecutor, targets):
    return ex.loader.project_state([t for t in targets if t[1] is not None]).apps


def make_rows(apps, home) -> dict:
    """A clinic's worth of rows through the models of one migration state; `home` says which
    app owns each moved model in that state."""

    def model(name):
        return apps.get_model(home.get(name, "bookings"), name)

    get = apps.get_model
    get("clinic", "Clinic").objects.get_or_create(pk=1)
    service = get("clinic", "Service").objects.create(
        name="Trigger point therapy",
        modality="trigger_point",
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("95.00"),
    )
    user = get("auth", "User").objects.create(username="mig-tess", email="tess@example.com")
    therapist = get("therapists", "Therapist").objects.create(
        user=user, display_name="Tess", modalities=["trigger_point"]
    )
    therapist.services.add(service)
    client = get("clients", "Client").objects.create(
        first_name="Cleo", last_name="Client", email="cleo@example.com"
    )
    booking_model = model("booking")
    # Later schemas record the price on the booking (bookings 0007 fills it from the service
    # when it adds the column): give it the same, so a round trip finds the same row.
    recorded = {"price": service.price} if hasattr(booking_model, "price") else {}
    booking = booking_model.objects.create(
        therapist=therapist,
        client=client,
        service=service,
        start=START,
        end=START + timedelta(minutes=60),
        blocks_until=START + timedelta(minutes=75),
        status="confirmed",
        notes="Left upper trapezius",
        created_by=user,
        **recorded,
    )
    sent = model("reminder").objects.create(
        booking=booking,
        channel="email",
        offset_hours=24,
        appointment_start=START,
        due_at=START - timedelta(hours=24),
        status="sent",
        sent_at=START - timedelta(hours=24) + timedelta(seconds=7),
        attempts=1,
    )
    pending = model("reminder").objects.create(
        booking=booking,
        channel="sms",
        offset_hours=2,
        appointment_start=START,
        due_at=START - timedelta(hours=2),
        claim_token=uuid.uuid4(),
        claimed_until=START - timedelta(hours=1),
    )
    notice = model("notice").objects.create(
        booking=booking,
        kind="confirmation",
        due_at=START - timedelta(days=3),
        status="sent",
        sent_at=START - timedelta(days=3),
        attempts=1,
    )
    booked = model("waitlistentry").objects.create(
        client=client,
        service=service,
        therapist=therapist,
        earliest_date=date(2030, 3, 1),
        latest_date=date(2030, 3, 10),
        weekdays=[0, 2],
        time_from=time(9),
        time_to=time(17),
        status="booked",
    )
    waiting = model("waitlistentry").objects.create(
        client=client,
        service=service,
        earliest_date=date(2030, 4, 1),
        latest_date=date(2030, 4, 1),
        time_from=time(13),
        time_to=time(14),
    )
    offer = model("waitlistoffer").objects.create(
        entry=booked,
        therapist=therapist,
        start=START,
        blocks_until=START + timedelta(minutes=75),
        hold_until=START - timedelta(days=4),
        status="accepted",
        booking=booking,
    )
    return {
        "client": client.pk,
        "therapist": therapist.pk,
        "service": service.pk,
        "booking": booking.pk,
        "reminders": {sent.pk, pending.pk},
        "notice": notice.pk,
        "entries": {booked.pk, waiting.pk},
        "booked_entry": booked.pk,
        "offer": offer.pk,
    }


def grant_permissions(apps, home) -> dict:
    """The content types and permissions post_migrate made for the moved models in this state,
    and a staff user holding two of them through a group, as the admin would have set up."""
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    cts = {
        model: content_type.objects.get_or_create(app_label=home[model], model=model)[0]
        for model in MOVED
    }
    elsewhere = {"bookings", *NEW_APPS} - set(home.values())
    assert not content_type.objects.filter(app_label__in=elsewhere, model__in=MOVED).exists()
    perms = [
        permission.objects.get_or_create(
            content_type=cts[model],
            codename=codename,
            defaults={"name": codename.replace("_", " ").capitalize()},
        )[0]
        for codename, model in PERMISSIONS
    ]
    group = apps.get_model("auth", "Group").objects.create(name="Front desk")
    group.permissions.set(perms)
    user = apps.get_model("auth", "User").objects.create(username="mig-desk", is_staff=True)
    user.groups.add(group)
    return {
        "cts": {model: ct.pk for model, ct in cts.items()},
        "perms": {perm.codename: (perm.pk, perm.content_type_id) for perm in perms},
        "user": user.pk,
    }


def snapshot(models) -> dict:
    """Every column of every row, by model."""
    return {name: list(m.objects.order_by("pk").values()) for name, m in models.items()}


def assert_same_rows(actual: dict, expected: dict) -> None:
    """The same rows with the same values in every column both schemas have (migrations
    after the split may add columns, never drop or change one)."""
    assert actual.keys() == expected.keys()
    for name in expected:
        assert len(actual[name]) == len(expected[name]), name
        for got, want in zip(actual[name], expected[name], strict=True):
            older, newer = sorted((got, want), key=len)
            assert older.keys() <= newer.keys(), name
            assert {k: got[k] for k in older} == {k: want[k] for k in older}, name


def historical_models(apps, home) -> dict:
    return {name: apps.get_model(home.get(name, "bookings"), name) for name in CURRENT}


def assert_content_types(apps, grants, home) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    for model, pk in grants["cts"].items():
        ct = content_type.objects.get(pk=pk)
        assert (ct.app_label, ct.model) == (home[model], model)
    others = {"bookings", *NEW_APPS} - set(home.values())
    assert not content_type.objects.filter(app_label__in=others, model__in=MOVED).exists()
    for codename, (pk, ct_pk) in grants["perms"].items():
        perm = permission.objects.get(pk=pk)
        assert (perm.codename, perm.content_type_id) == (codename, ct_pk)
    # What the admin asks: the same user, freshly loaded (no permission cache), holds them.
    user = get_user_model().objects.get(pk=grants["user"])
    for codename, model in PERMISSIONS:
        assert user.has_perm(f"{home[model]}.{codename}")
        for app in others:
            assert not user.has_perm(f"{app}.{codename}")


def assert_tables_stayed() -> None:
    tables = set(connection.introspection.table_names())
    assert tables >= TABLES
    assert not tables & {f"{MOVED[model]}_{model}" for model in MOVED}


def assert_state_is_the_models(ex: MigrationExecutor) -> None:
    """The migrations end where the models are: same tables, nothing left for makemigrations."""
    state = ex.loader.project_state()
    for name, model in CURRENT.items():
        historical = state.apps.get_model(model._meta.app_label, name)
        assert historical._meta.db_table == model._meta.db_table
    changes = MigrationAutodetector(state, ProjectState.from_apps(current_apps)).changes(
        graph=ex.loader.graph, trim_to_apps={"bookings", *NEW_APPS}
    )
    assert changes == {}


def assert_current_models_fit(rows) -> None:
    """The current models read the rows, follow every relation, and find their constraints and
    indexes under the names they give them."""
    for model in (Reminder, Notice, WaitlistEntry, WaitlistOffer):
        assert model._meta.db_table in TABLES
        with connection.cursor() as cursor:
            names = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
        wanted = {c.name for c in model._meta.constraints} | {i.name for i in model._meta.indexes}
        assert wanted <= names, (model, wanted - names)

    booking = Booking.objects.get(pk=rows["booking"])
    assert {r.pk for r in booking.reminders.all()} == rows["reminders"]
    assert [n.pk for n in booking.notices.all()] == [rows["notice"]]
    assert booking.waitlist_offer.pk == rows["offer"]
    for reminder in Reminder.objects.select_related("booking"):
        assert reminder.booking.client_id == rows["client"]
    entries = WaitlistEntry.objects.filter(client_id=rows["client"])
    assert {e.pk for e in entries} == rows["entries"]
    offer = WaitlistOffer.objects.select_related("entry", "booking").get(pk=rows["offer"])
    assert offer.entry.pk == rows["booked_entry"]
    assert offer.booking.pk == rows["booking"]
    assert offer.therapist_id == offer.entry.therapist_id == rows["therapist"]
    assert [o.pk for o in offer.entry.offers.all()] == [rows["offer"]]


@pytest.mark.django_db(transaction=True)
def test_migrating_to_the_new_layout_keeps_every_row_and_permission():
    leaves = leaf_nodes(executor())
    try:
        before = previous_schema(executor())
        ex = migrate(before)
        assert SPLIT not in ex.loader.applied_migrations
        assert not any(app in NEW_APPS for app, _ in ex.loader.applied_migrations)
        old = state_apps(ex, before)
        rows = make_rows(old, BEFORE)
        grants = grant_permissions(old, BEFORE)
        expected = snapshot(historical_models(old, BEFORE))
        assert_content_types(old, grants, BEFORE)

        ex = migrate(leaves)
        assert ex.migration_plan(leaves) == []
        assert SPLIT in ex.loader.applied_migrations
        assert_state_is_the_models(ex)
        ContentType.objects.clear_cache()

        assert_same_rows(snapshot(CURRENT), expected)
        assert_current_models_fit(rows)
        assert_tables_stayed()
        assert_content_types(state_apps(ex, leaves), grants, MOVED)
        for model, pk in grants["cts"].items():
            assert ContentType.objects.get_for_model(CURRENT[model]).pk == pk
    finally:
        migrate(leaves)
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_to_the_old_layout_keeps_every_row_and_permission():
    ex = executor()
    leaves = leaf_nodes(ex)
    try:
        new = state_apps(ex, leaves)
        rows = make_rows(new, MOVED)
        grants = grant_permissions(new, MOVED)
        expected = snapshot(CURRENT)
        assert snapshot(historical_models(new, MOVED)) == expected
        assert_content_types(new, grants, MOVED)

        before = previous_schema(ex)
        ex = migrate(before)
        assert SPLIT not in ex.loader.applied_migrations
        old = state_apps(ex, before)
        assert_same_rows(snapshot(historical_models(old, BEFORE)), expected)
        assert_tables_stayed()
        assert_content_types(old, grants, BEFORE)

        # And forward again: the round trip ends where it started.
        ex = migrate(leaves)
        assert_same_rows(snapshot(CURRENT), expected)
        assert_current_models_fit(rows)
        assert_content_types(state_apps(ex, leaves), grants, MOVED)
    finally:
        migrate(leaves)
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_a_partial_rollback_and_forward_keeps_the_permissions_that_were_granted():
    """`migrate bookings 0005` alone leaves the new apps applied, so post_migrate makes fresh
    notifications.* / waitlist.* content types beside the moved-back ones; migrating forward
    again must keep the content types the permissions were granted on."""
    ex = executor()
    leaves = leaf_nodes(ex)
    try:
        grants = grant_permissions(state_apps(ex, leaves), MOVED)
        ex = migrate([("bookings", "0005_waitlist")])
        assert SPLIT not in ex.loader.applied_migrations
        assert any(app in NEW_APPS for app, _ in ex.loader.applied_migrations)
        # What post_migrate would create meanwhile under the new labels.
        for model, app in MOVED.items():
            ContentType.objects.create(app_label=app, model=model)

        ex = migrate(leaves)
        ContentType.objects.clear_cache()
        assert_content_types(state_apps(ex, leaves), grants, MOVED)
    finally:
        migrate(leaves)
        ContentType.objects.clear_cache()
