"""`{% body_map %}`: the front and back figures, with reported and/or treated points marked.

    {% load bodymap %}
    {% body_map reported=intake.reported_trigger_points.all %}              (to show)
    {% body_map treated=note.treated_trigger_points.all reported=... %}    (both kinds)
    {% body_map interactive=True target="trigger-points" %}                (to pick)

Points are objects or dicts with `muscle` and `side` (and optionally `pain`). With
`interactive`, web/static/web/bodymap.js makes every region a labelled button that fills in
a row of the trigger point rows inside the element whose id is `target` (see
web/includes/body_map.html for the row markup it expects); without JavaScript the map is a
picture and those rows are the plain list.
"""

import itertools

from django import template

from web import bodymap

register = template.Library()
_ids = itertools.count(1)


@register.inclusion_tag("web/includes/body_map.html")
def body_map(reported=None, treated=None, interactive=False, target="", caption="", id=""):
    reported, treated = list(reported or ()), list(treated or ())
    reported_keys, treated_keys = bodymap.marked_keys(reported), bodymap.marked_keys(treated)
    views = []
    for view, regions in bodymap.regions_by_view().items():
        views.append(
            {
                "name": view,
                "label": bodymap.VIEWS[view],
                "detail": bodymap.DETAIL[view],
                "regions": [
                    {
                        "region": r,
                        "reported": r.key in reported_keys,
                        "treated": r.key in treated_keys,
                    }
                    for r in regions
                ],
            }
        )
    return {
        "id": id or f"body-map-{next(_ids)}",
        "views": views,
        "outline": bodymap.OUTLINE,
        "width": bodymap.WIDTH,
        "height": bodymap.HEIGHT,
        "interactive": interactive,
        "target": target,
        "caption": caption,
        "reported": [bodymap.described(p) for p in reported],
        "treated": [bodymap.described(p) for p in treated],
        "show_list": not interactive,
    }
