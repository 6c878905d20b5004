"""The referral patterns live beside the muscles: every muscle has one, in known terms."""

import pytest

from clinic.vocabulary import (
    REFERRAL_PATTERNS,
    BodyArea,
    Muscle,
    Referral,
    referral_pattern,
)


def test_every_muscle_has_a_referral_pattern():
    assert set(REFERRAL_PATTERNS) == set(Muscle.values)


@pytest.mark.parametrize("muscle", Muscle.values)
def test_each_pattern_names_known_areas_and_referrals_in_words(muscle):
    pattern = referral_pattern(muscle)

    assert pattern.muscle == muscle
    assert pattern.areas and set(pattern.areas) <= set(BodyArea.values)
    assert len(set(pattern.areas)) == len(pattern.areas)
    assert pattern.referrals and set(pattern.referrals) <= set(Referral.values)
    assert len(pattern.summary) > 20 and pattern.summary.endswith((".", ")"))
    assert len(pattern.area_labels) == len(pattern.areas)


def test_the_upper_trapezius_refers_to_the_temple_and_behind_the_eye():
    pattern = referral_pattern(Muscle.UPPER_TRAPEZIUS)

    assert {BodyArea.TEMPLE, BodyArea.EYE} <= set(pattern.areas)
    assert Referral.HEADACHE in pattern.referrals
    assert "tension headache" in pattern.summary


def test_every_area_is_used_by_some_pattern():
    used = {area for pattern in REFERRAL_PATTERNS.values() for area in pattern.areas}

    assert used == set(BodyArea.values)
