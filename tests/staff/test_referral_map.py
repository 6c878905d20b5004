"""Every referral area has a place on the figures; a side draws on that side only."""

from clinic.vocabulary import BodyArea, Muscle, Side, referral_pattern
from staff.referral_map import AREA_SHAPES, BACK, FRONT, shapes_for


def test_every_area_is_drawn_somewhere():
    assert set(AREA_SHAPES) == set(BodyArea.values)
    for shapes in AREA_SHAPES.values():
        assert shapes and all(view in (FRONT, BACK) for view, *_ in shapes)


def test_the_upper_trapezius_refers_to_the_temple_on_its_own_side():
    pattern = referral_pattern(Muscle.UPPER_TRAPEZIUS)

    right = shapes_for(pattern, Side.RIGHT)
    left = shapes_for(pattern, Side.LEFT)
    both = shapes_for(pattern, Side.BILATERAL)

    [temple_right] = [s for s in right if s.area == BodyArea.TEMPLE]
    [temple_left] = [s for s in left if s.area == BodyArea.TEMPLE]
    assert temple_right.view == FRONT and temple_right.cx < 100  # the client's right, facing us
    assert temple_left.cx > 100
    assert len(both) == len(right) + len(left)
