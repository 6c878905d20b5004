"""Contraindication flags, derived from an intake: the one place these rules live.

The therapist must see these before treating (DOMAIN.md, "Intake and safety"). A client's
active flags are those of their latest intake.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db import models

RECENT_SURGERY = timedelta(weeks=12)
FIRST_TRIMESTER_WEEKS = 13


class Severity(models.TextChoices):
    LOW = "low", "Low: adapt technique"
    MEDIUM = "medium", "Medium: adapt pressure or positioning"
    HIGH = "high", "High: no deep work in the area; consider clearance"
    CRITICAL = "critical", "Critical: do not treat without medical clearance"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    label: str

    def as_dict(self) -> dict:
        return asdict(self)


def flags_for_intake(intake, today: date) -> list[Flag]:
    """The contraindication flags an intake raises, most severe first."""
    if intake is None:
        return []
    flags: list[Flag] = []
    if intake.history_of_dvt:
        flags.append(
            Flag("dvt", Severity.CRITICAL, "History of deep vein thrombosis: no deep work on legs")
        )
    if intake.fever_or_infection:
        flags.append(Flag("fever", Severity.CRITICAL, "Fever or infection: postpone treatment"))
    if intake.takes_anticoagulants:
        flags.append(
            Flag("anticoagulants", Severity.HIGH, "Anticoagulant medication: bruising risk")
        )
    if intake.bleeding_disorder:
        flags.append(Flag("bleeding_disorder", Severity.HIGH, "Blood clotting disorder"))
    if intake.recent_surgery_date and today - intake.recent_surgery_date <= RECENT_SURGERY:
        flags.append(
            Flag("recent_surgery", Severity.HIGH, "Surgery in the last 12 weeks: avoid the area")
        )
    if intake.cancer_under_treatment:
        flags.append(Flag("cancer_treatment", Severity.HIGH, "Cancer under treatment"))
    if intake.pregnant:
        weeks = intake.pregnancy_weeks
        if intake.high_risk_pregnancy or (weeks is not None and weeks < FIRST_TRIMESTER_WEEKS):
            flags.append(
                Flag("pregnancy", Severity.HIGH, "Pregnancy (first trimester or high-risk)")
            )
        else:
            flags.append(Flag("pregnancy", Severity.MEDIUM, "Pregnancy: side-lying positioning"))
    if intake.osteoporosis:
        flags.append(Flag("osteoporosis", Severity.MEDIUM, "Osteoporosis: reduce pressure"))
    if intake.skin_condition:
        flags.append(Flag("skin_condition", Severity.LOW, "Skin condition: avoid the area"))
    order = {s.value: i for i, s in enumerate(reversed(Severity))}
    return sorted(flags, key=lambda f: order[f.severity])
