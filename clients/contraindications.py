"""Contraindication flags, derived from an intake: the one place these rules live.

The therapist must see these before treating (DOMAIN.md, "Intake and safety"). A client's
active flags are those of their latest intake (which carries forward every answer an earlier
intake gave and the new form left unanswered), less those a staff member resolved
(clients.selectors.active_flags_of). The rules lean to caution: when the intake leaves
a doubt (a surgery without a date, a pregnancy without weeks), the stricter flag is raised.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.utils import timezone

from clinic.models import clinic_timezone

RECENT_SURGERY = timedelta(weeks=12)
# The first trimester runs through the end of week 13 (13+6); weeks are completed weeks.
FIRST_TRIMESTER_WEEKS = 13
# A pregnancy runs to term by 42 weeks: past that by the intake's dates, the birth is due or
# done, and the weeks after a birth carry their own clotting risk. Ask.
TERM_WEEKS = 42


class Severity(models.TextChoices):
    LOW = "low", "Low: adapt technique"
    MEDIUM = "medium", "Medium: adapt pressure or positioning"
    HIGH = "high", "High: no deep work in the area; consider clearance"
    CRITICAL = "critical", "Critical: do not treat without medical clearance"


class FlagCode(models.TextChoices):
    DVT = "dvt", "Deep vein thrombosis"
    FEVER = "fever", "Fever or infection"
    ANTICOAGULANTS = "anticoagulants", "Anticoagulant medication"
    BLEEDING_DISORDER = "bleeding_disorder", "Blood clotting disorder"
    RECENT_SURGERY = "recent_surgery", "Recent surgery"
    CANCER_TREATMENT = "cancer_treatment", "Cancer under treatment"
    PREGNANCY = "pregnancy", "Pregnancy"
    OSTEOPOROSIS = "osteoporosis", "Osteoporosis"
    SKIN_CONDITION = "skin_condition", "Skin condition"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    label: str

    def as_dict(self) -> dict:
        return asdict(self)


# Every intake field the rules below read: enough to judge an intake fetched as plain values.
RULE_FIELDS = (
    "history_of_dvt",
    "fever_or_infection",
    "takes_anticoagulants",
    "bleeding_disorder",
    "recent_surgery",
    "recent_surgery_date",
    "cancer_under_treatment",
    "pregnant",
    "pregnancy_weeks",
    "high_risk_pregnancy",
    "osteoporosis",
    "skin_condition",
    "created_at",  # the day the weeks of a pregnancy were counted
)

# The intake items each flag is read from: answering one of them on a new form (rather than
# leaving it to be carried forward) reports the condition again and reactivates a resolved flag.
FLAG_FIELDS: dict[str, tuple[str, ...]] = {
    FlagCode.DVT.value: ("history_of_dvt",),
    FlagCode.FEVER.value: ("fever_or_infection",),
    FlagCode.ANTICOAGULANTS.value: ("takes_anticoagulants",),
    FlagCode.BLEEDING_DISORDER.value: ("bleeding_disorder",),
    FlagCode.RECENT_SURGERY.value: ("recent_surgery", "recent_surgery_date"),
    FlagCode.CANCER_TREATMENT.value: ("cancer_under_treatment",),
    FlagCode.PREGNANCY.value: ("pregnant", "pregnancy_weeks", "high_risk_pregnancy"),
    FlagCode.OSTEOPOROSIS.value: ("osteoporosis",),
    FlagCode.SKIN_CONDITION.value: ("skin_condition",),
}

_SEVERITY_ORDER = {
    Severity.CRITICAL.value: 0,
    Severity.HIGH.value: 1,
    Severity.MEDIUM.value: 2,
    Severity.LOW.value: 3,
}


def _flag(code: FlagCode, severity: Severity, label: str) -> Flag:
    return Flag(code.value, severity.value, label)


def _recent_surgery(intake, today: date) -> Flag | None:
    if intake.recent_surgery_date is not None:
        # A future date (not accepted at input) would still mean "recent": err on caution.
        if today - intake.recent_surgery_date <= RECENT_SURGERY:
            return _flag(
                FlagCode.RECENT_SURGERY,
                Severity.HIGH,
                "Surgery in the last 12 weeks: avoid the area",
            )
        return None
    if intake.recent_surgery.strip():
        return _flag(
            FlagCode.RECENT_SURGERY,
            Severity.HIGH,
            "Recent surgery, date not given: ask before treating the area",
        )
    return None


def pregnancy_weeks_on(weeks: int | None, counted_on, today: date) -> int | None:
    """The completed weeks on `today` of a pregnancy at `weeks` on `counted_on` (the day of
    the intake that gave them: a date, an aware datetime, or None for today)."""
    if weeks is None:
        return None
    if isinstance(counted_on, datetime):
        counted_on = timezone.localdate(counted_on, clinic_timezone())
    elapsed = (today - counted_on).days if counted_on is not None else 0
    return weeks + max(elapsed, 0) // 7


def _pregnancy(intake, today: date) -> Flag | None:
    if not intake.pregnant:
        return None
    weeks = pregnancy_weeks_on(intake.pregnancy_weeks, intake.created_at, today)
    if intake.high_risk_pregnancy:
        return _flag(FlagCode.PREGNANCY, Severity.HIGH, "High-risk pregnancy")
    if weeks is not None and weeks > TERM_WEEKS:
        return _flag(
            FlagCode.PREGNANCY,
            Severity.HIGH,
            "Pregnancy past term by the intake's dates: ask whether the client has given "
            "birth (clotting risk in the weeks after)",
        )
    if weeks is None:
        return _flag(
            FlagCode.PREGNANCY,
            Severity.HIGH,
            "Pregnancy, weeks not given: treat as first trimester",
        )
    if weeks <= FIRST_TRIMESTER_WEEKS:
        return _flag(FlagCode.PREGNANCY, Severity.HIGH, "Pregnancy in the first trimester")
    return _flag(FlagCode.PREGNANCY, Severity.MEDIUM, "Pregnancy: side-lying positioning")


def flags_for_intake(intake, today: date) -> list[Flag]:
    """The contraindication flags an intake raises, most severe first (then in rule order).

    `intake` is an Intake or any object with the RULE_FIELDS attributes.
    """
    if intake is None:
        return []
    flags: list[Flag | None] = []
    if intake.history_of_dvt:
        flags.append(
            _flag(
                FlagCode.DVT,
                Severity.CRITICAL,
                "History of deep vein thrombosis: no deep work on legs",
            )
        )
    if intake.fever_or_infection:
        flags.append(
            _flag(FlagCode.FEVER, Severity.CRITICAL, "Fever or infection: postpone treatment")
        )
    if intake.takes_anticoagulants:
        flags.append(
            _flag(
                FlagCode.ANTICOAGULANTS,
                Severity.HIGH,
                "Anticoagulant medication: bruising risk",
            )
        )
    if intake.bleeding_disorder:
        flags.append(_flag(FlagCode.BLEEDING_DISORDER, Severity.HIGH, "Blood clotting disorder"))
    flags.append(_recent_surgery(intake, today))
    if intake.cancer_under_treatment:
        flags.append(_flag(FlagCode.CANCER_TREATMENT, Severity.HIGH, "Cancer under treatment"))
    flags.append(_pregnancy(intake, today))
    if intake.osteoporosis:
        flags.append(_flag(FlagCode.OSTEOPOROSIS, Severity.MEDIUM, "Osteoporosis: reduce pressure"))
    if intake.skin_condition:
        flags.append(_flag(FlagCode.SKIN_CONDITION, Severity.LOW, "Skin condition: avoid the area"))
    present = [flag for flag in flags if flag is not None]
    return sorted(present, key=lambda flag: _SEVERITY_ORDER[flag.severity])
