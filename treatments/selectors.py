"""Reads of charts: who may see which notes and clients, overdue notes, trigger point progress."""

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client, ReportedTriggerPoint
from clients.selectors import clients_in_care_of
from clinic.models import Clinic
from clinic.roles import is_admin, therapist_of
from clinic.vocabulary import REFERRAL_PATTERNS, Muscle, Referral, Side
from treatments.models import Amendment, TreatedTriggerPoint, TreatmentNote


def notes_visible_to(user) -> QuerySet[TreatmentNote]:
    """Notes `user` may read, ready to serialize: an admin reads all; a therapist reads the
    notes they wrote and every note of their clients (continuity of care); clients and
    everyone else read none."""
    therapist = therapist_of(user)
    if is_admin(user):
        notes = TreatmentNote.objects.all()
    elif therapist is not None:
        notes = TreatmentNote.objects.filter(
            Q(therapist=therapist) | Q(booking__client__in=clients_in_care_of(user))
        )
    else:
        notes = TreatmentNote.objects.none()
    return notes.select_related("booking__client", "therapist").prefetch_related(
        "treated_trigger_points",
        Prefetch("amendments", queryset=Amendment.objects.select_related("author__therapist")),
    )


def overdue_condition(clinic: Clinic | None = None) -> Q:
    """An unsigned note created more than Clinic.note_overdue_hours ago is overdue."""
    clinic = clinic or Clinic.get()
    cutoff = timezone.now() - timedelta(hours=clinic.note_overdue_hours)
    return Q(signed_at__isnull=True, created_at__lte=cutoff)


_MUSCLE_ORDER = {value: i for i, value in enumerate(Muscle.values)}
_MUSCLE_LABELS = dict(Muscle.choices)
_SIDE_ORDER = {value: i for i, value in enumerate(Side.values)}


def _progress_rows(client: Client) -> tuple[list[dict], list[dict]]:
    """The client's reported (intake) and treated (note) trigger points as plain rows: two
    queries, however long the history."""
    reported = ReportedTriggerPoint.objects.filter(intake__client=client).values(
        "id", "muscle", "side", "pain", "refers_to", "intake_id", "intake__created_at"
    )
    treated = TreatedTriggerPoint.objects.filter(treatment_note__booking__client=client).values(
        "id",
        "muscle",
        "side",
        "pain_before",
        "pain_after",
        "treatment_note_id",
        "treatment_note__booking__start",
        "treatment_note__signed_at",
    )
    return list(reported), list(treated)


def trigger_point_progress(client: Client) -> list[dict]:
    """Per muscle and side, the client's pain scores over time, oldest first: reported at each
    intake (`pain`, at the intake's time) and treated in each note (`pain_before` and
    `pain_after`, at the booking's start). Two queries, however long the history."""
    return _series(*_progress_rows(client))


def _series(reported: list[dict], treated: list[dict]) -> list[dict]:
    series: dict[tuple[str, str], list[dict]] = {}
    for row in reported:
        series.setdefault((row["muscle"], row["side"]), []).append(
            {
                "at": row["intake__created_at"],
                "source": "reported",
                "pain": row["pain"],
                "pain_before": None,
                "pain_after": None,
                "intake": row["intake_id"],
                "note": None,
                "signed": None,
                "_order": (0, row["id"]),
            }
        )
    for row in treated:
        series.setdefault((row["muscle"], row["side"]), []).append(
            {
                "at": row["treatment_note__booking__start"],
                "source": "treated",
                "pain": None,
                "pain_before": row["pain_before"],
                "pain_after": row["pain_after"],
                "intake": None,
                "note": row["treatment_note_id"],
                "signed": row["treatment_note__signed_at"] is not None,
                "_order": (1, row["id"]),
            }
        )
    result = []
    for (muscle, side), points in sorted(
        series.items(),
        key=lambda item: (
            _MUSCLE_ORDER.get(item[0][0], len(_MUSCLE_ORDER)),
            _SIDE_ORDER.get(item[0][1], len(_SIDE_ORDER)),
        ),
    ):
        points.sort(key=lambda p: (p["at"], p["_order"]))
        for point in points:
            del point["_order"]
        result.append(
            {
                "muscle": muscle,
                "muscle_label": _MUSCLE_LABELS.get(muscle, muscle),
                "side": side,
                "points": points,
            }
        )
    return result


# The complaints followed across visits on the progress page.
TREND_REFERRALS = (Referral.HEADACHE, Referral.NECK, Referral.BACK)


def pain_progress(client: Client) -> dict:
    """Everything the progress page draws, in two queries: `series` (as
    `trigger_point_progress`) and `trends`, for headache, neck and back pain: one point per
    intake (the worst pain of the points the client said refer there) and per charted visit
    (the worst pain before and after treatment among the points treated in muscles whose
    referral pattern counts there, `clinic.vocabulary.REFERRAL_PATTERNS`), oldest first."""
    reported, treated = _progress_rows(client)
    trends = []
    for referral in TREND_REFERRALS:
        points: dict[tuple, dict] = {}
        for row in reported:
            if row["refers_to"] != referral:
                continue
            key = ("intake", row["intake_id"])
            point = points.setdefault(
                key,
                {"at": row["intake__created_at"], "source": "reported", "pain": 0},
            )
            point["pain"] = max(point["pain"], row["pain"])
        for row in treated:
            if referral not in REFERRAL_PATTERNS[row["muscle"]].referrals:
                continue
            key = ("note", row["treatment_note_id"])
            point = points.setdefault(
                key,
                {
                    "at": row["treatment_note__booking__start"],
                    "source": "treated",
                    "pain_before": 0,
                    "pain_after": 0,
                    "note": row["treatment_note_id"],
                },
            )
            point["pain_before"] = max(point["pain_before"], row["pain_before"])
            point["pain_after"] = max(point["pain_after"], row["pain_after"])
        trends.append(
            {
                "referral": referral,
                "label": Referral(referral).label,
                "points": sorted(points.values(), key=lambda p: (p["at"], p["source"])),
            }
        )
    return {"series": _series(reported, treated), "trends": trends}
