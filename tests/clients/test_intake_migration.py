"""clients 0003 stores the consent texts: the current one with its text, and a row for every
other version an existing intake names, so every intake references a stored version. It leaves
the database at the leaf nodes, as the rest of the suite expects."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("clients", "0002_intake_recorded_by_and_pregnancy_constraints")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_intakes_keep_their_versions_and_reference_a_stored_text():
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    client = old.get_model("clients", "Client").objects.create(first_name="Ida", last_name="Old")
    Intake = old.get_model("clients", "Intake")
    for version, day in (("2025-06", 3), ("2026-01", 20), ("2025-06", 9)):
        Intake.objects.create(
            client=client,
            takes_anticoagulants=True,
            consent_given=True,
            consent_version=version,
            consent_signed_at=datetime(2026, 1, day, tzinfo=UTC),
        )

    executor = migrate(sorted(executor.loader.graph.leaf_nodes()))

    new = executor.loader.project_state(sorted(executor.loader.graph.leaf_nodes())).apps
    texts = {
        t.version: t for t in new.get_model("clients", "ConsentText").objects.order_by("version")
    }
    assert sorted(texts) == ["2025-06", "2026-01"]
    assert texts["2026-01"].text.startswith("Consent to massage therapy")
    assert texts["2025-06"].text == "The text of this version was not kept when it was signed."
    assert texts["2025-06"].published_at == datetime(2026, 1, 3, tzinfo=UTC)
    intakes = new.get_model("clients", "Intake").objects.order_by("id")
    assert [(i.consent_version, i.carried_forward, i.based_on_id) for i in intakes] == [
        ("2025-06", [], None),
        ("2026-01", [], None),
        ("2025-06", [], None),
    ]
    with (
        pytest.raises(IntegrityError, match="intake_consent_version_stored"),
        transaction.atomic(),
    ):
        intakes.filter(pk=intakes[0].pk).update(consent_version="1999-01")
