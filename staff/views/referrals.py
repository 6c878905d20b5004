"""Referral patterns: where a chosen muscle's trigger points commonly send pain, in words and
drawn on the body map's figures (clinic.vocabulary.REFERRAL_PATTERNS, staff.referral_map)."""

from django.shortcuts import render

from clinic.vocabulary import Muscle, Side
from staff.access import staff_page
from staff.forms import ReferralForm
from staff.views.charting import referral_context
from web import bodymap


@staff_page
def referrals(request):
    form = ReferralForm(request.GET or None)
    muscle, side = Muscle.UPPER_TRAPEZIUS, Side.RIGHT
    if form.is_valid():
        muscle, side = form.cleaned_data["muscle"], form.cleaned_data["side"]
    context = {
        "form": form,
        **referral_context(muscle, side),
        **figure_context(muscle, side),
    }
    template = (
        "staff/includes/referral_panel.html"
        if request.GET.get("fragment")
        else "staff/referrals.html"
    )
    return render(request, template, context)


def figure_context(muscle: str, side: str) -> dict:
    sides = (Side.LEFT, Side.RIGHT) if side == Side.BILATERAL else (side,)
    return {
        "outline": bodymap.OUTLINE,
        "width": bodymap.WIDTH,
        "height": bodymap.HEIGHT,
        "views": [
            {
                "name": view,
                "label": label,
                "detail": bodymap.DETAIL[view],
                "muscle_regions": [
                    r
                    for r in bodymap.REGIONS
                    if r.view == view and r.muscle == muscle and r.side in sides
                ],
            }
            for view, label in bodymap.VIEWS.items()
        ],
    }
