"""The body map: front and back figures of our own drawing, each region a muscle of the shared
vocabulary (clinic.vocabulary.Muscle) on one side of the body.

A region is an ellipse in a 200 x 460 box per figure. Each muscle is drawn once, on the view
where it is felt and treated, for the left and the right side: the shape is given for the
figure's left half as seen (x < 100) and mirrored for the other. Seen from the front, the
figure's left half is the client's right side; seen from the back, it is their left.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from clinic.vocabulary import Muscle, Referral, Side

WIDTH, HEIGHT = 200, 460
FRONT, BACK = "front", "back"
VIEWS = {FRONT: _("Front"), BACK: _("Back")}

# muscle: (view, cx, cy, rx, ry, rotation in degrees) on the half seen on the left.
SHAPES: dict[str, tuple[str, float, float, float, float, float]] = {
    Muscle.TEMPORALIS: (FRONT, 86, 26, 5, 8, 0),
    Muscle.MASSETER: (FRONT, 87, 46, 5, 7, 0),
    Muscle.STERNOCLEIDOMASTOID: (FRONT, 94, 69, 3.5, 9, -18),
    Muscle.SCALENES: (FRONT, 84, 75, 4.5, 5, 0),
    Muscle.DELTOID: (FRONT, 53, 97, 9, 14, 10),
    Muscle.PECTORALIS_MAJOR: (FRONT, 81, 101, 15, 9, 0),
    Muscle.PECTORALIS_MINOR: (FRONT, 72, 120, 8, 5, 20),
    Muscle.SERRATUS_ANTERIOR: (FRONT, 66, 146, 5, 12, 0),
    Muscle.SUBOCCIPITALS: (BACK, 93, 55, 5, 3, 0),
    Muscle.SPLENIUS_CAPITIS: (BACK, 94, 63, 3.5, 4, 0),
    Muscle.SPLENIUS_CERVICIS: (BACK, 94, 73, 3.5, 4, 0),
    Muscle.LEVATOR_SCAPULAE: (BACK, 85, 75, 3.5, 7, 35),
    Muscle.UPPER_TRAPEZIUS: (BACK, 73, 84, 13, 4.5, 8),
    Muscle.SUPRASPINATUS: (BACK, 69, 94, 9, 3.5, 0),
    Muscle.MIDDLE_TRAPEZIUS: (BACK, 85, 101, 9, 4.5, 0),
    Muscle.INFRASPINATUS: (BACK, 69, 109, 9, 7.5, 0),
    Muscle.RHOMBOIDS: (BACK, 92, 116, 4.5, 8, 0),
    Muscle.TERES_MINOR: (BACK, 57, 119, 4.5, 3.5, 20),
    Muscle.TERES_MAJOR: (BACK, 62, 128, 6, 3.5, 20),
    Muscle.LOWER_TRAPEZIUS: (BACK, 92, 138, 4.5, 10, -10),
    Muscle.LATISSIMUS_DORSI: (BACK, 69, 150, 7.5, 14, 8),
    Muscle.ILIOCOSTALIS: (BACK, 81, 178, 3.5, 16, 0),
    Muscle.LONGISSIMUS: (BACK, 89, 170, 3.5, 20, 0),
    Muscle.MULTIFIDUS: (BACK, 96, 205, 3, 13, 0),
    Muscle.QUADRATUS_LUMBORUM: (BACK, 83, 212, 5, 8, 0),
    Muscle.GLUTEUS_MEDIUS: (BACK, 68, 241, 10, 6, -10),
    Muscle.GLUTEUS_MINIMUS: (BACK, 63, 256, 4.5, 5.5, 0),
    Muscle.PIRIFORMIS: (BACK, 81, 251, 9, 3, 10),
    Muscle.GLUTEUS_MAXIMUS: (BACK, 83, 270, 13, 11, 0),
}

# The outline of a figure (the same for front and back): the head, and the body's contour on
# the half seen on the left, from the neck down the arm and back up, down the side and the leg
# to the crotch; the other half is its mirror. Drawn as a smooth curve through the points.
HEAD = (100, 36, 20, 25)
HALF_CONTOUR = [
    (90, 58),
    (89, 76),
    (70, 82),
    (54, 86),
    (44, 96),
    (40, 112),
    (35, 160),
    (29, 210),
    (25, 246),
    (20, 262),
    (28, 268),
    (35, 250),
    (44, 208),
    (51, 162),
    (57, 128),
    (61, 160),
    (62, 196),
    (55, 240),
    (55, 300),
    (61, 360),
    (63, 410),
    (64, 424),
    (58, 434),
    (92, 434),
    (89, 420),
    (90, 360),
    (95, 292),
    (100, 282),
]
DETAIL = {FRONT: "M92 32h4M104 32h4M95 48q5 3 10 0", BACK: "M100 80V272"}


def _smooth(points: list[tuple[float, float]]) -> str:
    """A closed Catmull-Rom curve through `points`, as cubic Bezier segments."""
    n = len(points)
    d = [f"M{points[0][0]:g} {points[0][1]:g}"]
    for i in range(n):
        p0, p1, p2, p3 = (points[(i + k) % n] for k in (-1, 0, 1, 2))
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        d.append(f"C{c1[0]:.1f} {c1[1]:.1f} {c2[0]:.1f} {c2[1]:.1f} {p2[0]:g} {p2[1]:g}")
    return "".join(d) + "Z"


def _outline() -> str:
    mirrored = [(WIDTH - x, y) for x, y in reversed(HALF_CONTOUR[:-1])]
    cx, cy, rx, ry = HEAD
    head = f"M{cx - rx} {cy}a{rx} {ry} 0 1 0 {2 * rx} 0a{rx} {ry} 0 1 0 {-2 * rx} 0Z"
    return head + _smooth(HALF_CONTOUR + mirrored)


OUTLINE = _outline()


@dataclass(frozen=True)
class Region:
    view: str
    muscle: str
    side: str
    cx: float
    cy: float
    rx: float
    ry: float
    rotation: float

    @property
    def key(self) -> str:
        return f"{self.muscle}:{self.side}"

    @property
    def label(self) -> str:
        return f"{Muscle(self.muscle).label}, {Side(self.side).label.lower()}"

    @property
    def transform(self) -> str:
        return f"rotate({self.rotation:g} {self.cx:g} {self.cy:g})" if self.rotation else ""


def _regions() -> list[Region]:
    regions = []
    for muscle, (view, cx, cy, rx, ry, rot) in SHAPES.items():
        seen_left = Side.RIGHT if view == FRONT else Side.LEFT
        other = Side.LEFT if seen_left == Side.RIGHT else Side.RIGHT
        regions.append(Region(view, str(muscle), str(seen_left), cx, cy, rx, ry, rot))
        regions.append(Region(view, str(muscle), str(other), WIDTH - cx, cy, rx, ry, -rot))
    return regions


REGIONS: list[Region] = _regions()


def regions_by_view() -> dict[str, list[Region]]:
    return {view: [r for r in REGIONS if r.view == view] for view in VIEWS}


def _get(point, name, default=None):
    return point.get(name, default) if isinstance(point, dict) else getattr(point, name, default)


def described(point) -> dict:
    """A point (object or dict) as the list under the map shows it."""
    refers = _get(point, "refers_to")
    return {
        "muscle": Muscle(_get(point, "muscle")).label,
        "side": Side(_get(point, "side")).label.lower(),
        "pain": _get(point, "pain", _get(point, "pain_before")),
        "refers_to": Referral(refers).label.lower() if refers else "",
    }


def marked_keys(points) -> set[str]:
    """The region keys (`muscle:side`) that `points` (objects or dicts with muscle and side)
    fall on; a bilateral point marks both sides."""
    keys = set()
    for point in points or ():
        muscle, side = _get(point, "muscle"), _get(point, "side")
        sides = (Side.LEFT, Side.RIGHT) if side == Side.BILATERAL else (side,)
        keys.update(f"{muscle}:{s}" for s in sides)
    return keys
