"""The contraindication rules, one by one, on unsaved intakes (a pure function: no database)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.contraindications import (
    FIRST_TRIMESTER_WEEKS,
    RECENT_SURGERY,
    RULE_FIELDS,
    TERM_WEEKS,
    FlagCode,
    Severity,
    flags_for_intake,
)
from clients.models import Intake

TODAY = date(2026, 3, 10)


def flags(**fields):
    return flags_for_intake(Intake(**fields), TODAY)


def only(**fields):
    (flag,) = flags(**fields)
    return flag


def test_no_intake_raises_no_flags():
    assert flags_for_intake(None, TODAY) == []


def test_a_healthy_intake_raises_no_flags():
    assert flags(conditions="Tension headaches", medications="Ibuprofen as needed") == []


@pytest.mark.parametrize(
    ("field", "code", "severity"),
    [
        ("history_of_dvt", "dvt", "critical"),
        ("fever_or_infection", "fever", "critical"),
        ("takes_anticoagulants", "anticoagulants", "high"),
        ("bleeding_disorder", "bleeding_disorder", "high"),
        ("cancer_under_treatment", "cancer_treatment", "high"),
        ("osteoporosis", "osteoporosis", "medium"),
        ("skin_condition", "skin_condition", "low"),
    ],
)
def test_each_condition_raises_its_flag(field, code, severity):
    flag = only(**{field: True})

    assert (flag.code, flag.severity) == (code, severity)
    assert flag.label


def test_surgery_within_twelve_weeks_is_flagged_high():
    flag = only(recent_surgery_date=TODAY - timedelta(weeks=3))

    assert (flag.code, flag.severity) == ("recent_surgery", "high")


def test_surgery_exactly_twelve_weeks_ago_is_still_recent():
    assert only(recent_surgery_date=TODAY - RECENT_SURGERY).code == "recent_surgery"


def test_surgery_longer_ago_than_twelve_weeks_is_not_flagged():
    assert flags(recent_surgery_date=TODAY - RECENT_SURGERY - timedelta(days=1)) == []


def test_surgery_today_is_flagged():
    assert only(recent_surgery_date=TODAY).code == "recent_surgery"


def test_a_surgery_described_without_a_date_is_flagged_to_ask():
    flag = only(recent_surgery="Knee arthroscopy")

    assert (flag.code, flag.severity) == ("recent_surgery", "high")
    assert "date not given" in flag.label


def test_an_old_dated_surgery_with_a_description_is_not_flagged():
    assert flags(recent_surgery="Appendix", recent_surgery_date=date(2010, 1, 1)) == []


def test_a_blank_surgery_description_is_not_a_surgery():
    assert flags(recent_surgery="   ") == []


@pytest.mark.parametrize("weeks", [0, 6, FIRST_TRIMESTER_WEEKS])
def test_first_trimester_pregnancy_is_high(weeks):
    flag = only(pregnant=True, pregnancy_weeks=weeks)

    assert (flag.code, flag.severity) == ("pregnancy", "high")


@pytest.mark.parametrize("weeks", [FIRST_TRIMESTER_WEEKS + 1, 30, 40])
def test_later_pregnancy_is_medium(weeks):
    flag = only(pregnant=True, pregnancy_weeks=weeks)

    assert (flag.code, flag.severity) == ("pregnancy", "medium")


def test_the_weeks_count_on_from_the_day_of_the_intake():
    """Ten weeks at an intake five weeks ago is fifteen today: out of the first trimester."""
    flag = only(pregnant=True, pregnancy_weeks=10, created_at=TODAY - timedelta(weeks=5))

    assert (flag.code, flag.severity) == ("pregnancy", "medium")
    assert only(pregnant=True, pregnancy_weeks=10, created_at=TODAY).severity == "high"


@pytest.mark.parametrize(("weeks", "ago"), [(38, 6), (TERM_WEEKS + 1, 0)])
def test_a_pregnancy_past_term_by_the_intakes_dates_asks_about_the_birth(weeks, ago):
    flag = only(pregnant=True, pregnancy_weeks=weeks, created_at=TODAY - timedelta(weeks=ago))

    assert (flag.code, flag.severity) == ("pregnancy", "high")
    assert "given birth" in flag.label


def test_high_risk_pregnancy_is_high_in_any_week():
    flag = only(pregnant=True, pregnancy_weeks=30, high_risk_pregnancy=True)

    assert (flag.code, flag.severity) == ("pregnancy", "high")
    assert "High-risk" in flag.label


def test_pregnancy_without_weeks_is_treated_as_first_trimester():
    assert only(pregnant=True).severity == "high"


def test_pregnancy_details_without_pregnancy_raise_nothing():
    # The service refuses such an intake; the rule itself keys on `pregnant` alone.
    assert flags(pregnant=False, pregnancy_weeks=8, high_risk_pregnancy=True) == []


def test_flags_come_most_severe_first():
    result = flags(
        skin_condition=True,
        osteoporosis=True,
        takes_anticoagulants=True,
        fever_or_infection=True,
    )

    assert [f.severity for f in result] == ["critical", "high", "medium", "low"]
    assert [f.code for f in result] == ["fever", "anticoagulants", "osteoporosis", "skin_condition"]


def test_a_flag_is_a_plain_dict_on_the_wire():
    assert only(takes_anticoagulants=True).as_dict() == {
        "code": "anticoagulants",
        "severity": "high",
        "label": "Anticoagulant medication: bruising risk",
    }


BOOLEAN_RULES = {
    "history_of_dvt": "dvt",
    "fever_or_infection": "fever",
    "takes_anticoagulants": "anticoagulants",
    "bleeding_disorder": "bleeding_disorder",
    "cancer_under_treatment": "cancer_treatment",
    "osteoporosis": "osteoporosis",
    "skin_condition": "skin_condition",
}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@given(
    answers=st.fixed_dictionaries({field: st.booleans() for field in BOOLEAN_RULES}),
    pregnant=st.booleans(),
    weeks=st.none() | st.integers(0, 45),
    surgery_days_ago=st.none() | st.integers(0, 3650),
)
def test_any_intake_gives_each_flag_once_in_severity_order(
    answers, pregnant, weeks, surgery_days_ago
):
    surgery = None if surgery_days_ago is None else TODAY - timedelta(days=surgery_days_ago)
    result = flags(
        **answers,
        pregnant=pregnant,
        pregnancy_weeks=weeks if pregnant else None,
        recent_surgery_date=surgery,
    )
    codes = [f.code for f in result]

    assert len(codes) == len(set(codes))
    assert set(codes) <= set(FlagCode.values)
    assert {f.severity for f in result} <= set(Severity.values)
    assert [SEVERITY_RANK[f.severity] for f in result] == sorted(
        SEVERITY_RANK[f.severity] for f in result
    )
    for field, code in BOOLEAN_RULES.items():
        assert (code in codes) == answers[field]
    assert ("pregnancy" in codes) == pregnant
    recent = surgery_days_ago is not None and surgery_days_ago <= RECENT_SURGERY.days
    assert ("recent_surgery" in codes) == recent


@given(
    answers=st.fixed_dictionaries({field: st.booleans() for field in BOOLEAN_RULES}),
    pregnant=st.booleans(),
    weeks=st.none() | st.integers(0, 45),
    high_risk=st.booleans(),
    surgery=st.none() | st.dates(),
    surgery_text=st.sampled_from(["", "Knee"]),
    counted_on=st.none() | st.dates(max_value=TODAY),
)
def test_the_rules_read_only_the_declared_fields_and_agree_with_a_model_instance(
    answers, pregnant, weeks, high_risk, surgery, surgery_text, counted_on
):
    """`with_flag` judges plain rows holding RULE_FIELDS: they must give what an Intake gives."""
    values = {
        **answers,
        "pregnant": pregnant,
        "pregnancy_weeks": weeks,
        "high_risk_pregnancy": high_risk,
        "recent_surgery_date": surgery,
        "recent_surgery": surgery_text,
        "created_at": counted_on,
    }
    assert set(values) == set(RULE_FIELDS)

    assert flags_for_intake(SimpleNamespace(**values), TODAY) == flags(**values)
