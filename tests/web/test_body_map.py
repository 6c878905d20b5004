"""The body map and the shared vocabulary agree: every muscle is drawn, on the left and the
right, exactly once, and nothing else is drawn."""

from collections import Counter

import pytest
from django.template import Context, Template

from clients.models import ReportedTriggerPoint
from clinic.vocabulary import Muscle, Side
from web import bodymap


def test_every_muscle_of_the_vocabulary_has_a_left_and_a_right_region():
    drawn = Counter((r.muscle, r.side) for r in bodymap.REGIONS)

    assert set(drawn) == {(m, s) for m in Muscle.values for s in (Side.LEFT, Side.RIGHT)}
    assert set(drawn.values()) == {1}


def test_regions_stay_inside_their_figure_and_on_their_side_of_it():
    for region in bodymap.REGIONS:
        assert region.view in bodymap.VIEWS
        assert region.cx - region.rx > 0 and region.cx + region.rx < bodymap.WIDTH, region
        assert region.cy - region.ry > 0 and region.cy + region.ry < bodymap.HEIGHT, region
        seen_on_left = region.cx < bodymap.WIDTH / 2
        # From the front, the client's right side is on the viewer's left; from the back, not.
        left_half_side = Side.RIGHT if region.view == bodymap.FRONT else Side.LEFT
        assert (region.side == left_half_side) == seen_on_left, region


def render(template: str, **context) -> str:
    return Template("{% load bodymap %}" + template).render(Context(context))


@pytest.mark.django_db
def test_the_include_draws_every_region_with_its_muscle_side_and_label():
    html = render("{% body_map interactive=True target='rows' %}")

    for region in bodymap.REGIONS:
        assert f'data-muscle="{region.muscle}" data-side="{region.side}"' in html
        assert f'data-label="{region.label}"' in html
    assert html.count('class="bm-region') == len(bodymap.REGIONS)
    assert 'data-bodymap-target="rows"' in html


@pytest.mark.django_db
def test_reported_and_treated_points_mark_their_regions_and_a_bilateral_one_marks_both():
    points = [
        ReportedTriggerPoint(
            muscle=Muscle.UPPER_TRAPEZIUS, side=Side.BILATERAL, pain=6, refers_to="headache"
        ),
    ]
    treated = [{"muscle": Muscle.INFRASPINATUS, "side": Side.LEFT}]

    html = render("{% body_map reported=r treated=t %}", r=points, t=treated)

    assert html.count("bm-reported") == 2
    assert html.count("bm-treated") == 1
    assert "Upper trapezius (bilateral): pain 6/10, headache" in " ".join(html.split())
