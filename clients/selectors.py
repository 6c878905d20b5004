"""Reads about clients that need more than a one-line queryset."""

from django.utils import timezone

from clients.contraindications import Flag, flags_for_intake
from clients.models import Intake


def latest_intakes(client_ids) -> dict[int, Intake]:
    """Each client's newest intake, in one query (PostgreSQL DISTINCT ON)."""
    intakes = (
        Intake.objects.filter(client_id__in=list(client_ids))
        .order_by("client_id", "-created_at", "-id")
        .distinct("client_id")
    )
    return {intake.client_id: intake for intake in intakes}


def active_flags_by_client(client_ids) -> dict[int, list[Flag]]:
    """The contraindication flags of each client's latest intake, in one query."""
    client_ids = list(client_ids)
    today = timezone.localdate()
    latest = latest_intakes(client_ids)
    return {cid: flags_for_intake(latest.get(cid), today) for cid in client_ids}
