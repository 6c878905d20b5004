"""Where each referral area (`clinic.vocabulary.BodyArea`) is drawn on the body map's figures
(web.bodymap: a 200 x 460 box per view, shapes given for the half seen on the left and
mirrored for the other). Pain refers on the side of the point, so an area is drawn on the
chosen side (both for bilateral)."""

from dataclasses import dataclass

from clinic.vocabulary import BodyArea, ReferralPattern, Side

FRONT, BACK = "front", "back"
WIDTH = 200

A = BodyArea
# area: ((view, cx, cy, rx, ry), ...) on the half seen on the left.
AREA_SHAPES: dict[str, tuple[tuple[str, float, float, float, float], ...]] = {
    A.TOP_OF_HEAD: ((FRONT, 92, 15, 8, 4), (BACK, 92, 15, 8, 4)),
    A.BACK_OF_HEAD: ((BACK, 91, 40, 8, 11),),
    A.TEMPLE: ((FRONT, 84, 28, 4, 6),),
    A.FOREHEAD: ((FRONT, 92, 20, 7, 4),),
    A.EYE: ((FRONT, 92, 32, 4.5, 3),),
    A.EAR: ((FRONT, 80, 39, 2.5, 5), (BACK, 80, 39, 2.5, 5)),
    A.CHEEK: ((FRONT, 88, 42, 4, 4),),
    A.JAW: ((FRONT, 87, 53, 6, 4),),
    A.TEETH: ((FRONT, 95, 48, 4, 2.5),),
    A.THROAT: ((FRONT, 96, 68, 4, 6),),
    A.NECK_BACK: ((BACK, 94, 66, 5, 9),),
    A.NECK_SIDE: ((FRONT, 88, 68, 3, 7), (BACK, 86, 70, 4, 7)),
    A.SHOULDER_TOP: ((FRONT, 70, 84, 12, 4), (BACK, 70, 84, 12, 4)),
    A.SHOULDER_FRONT: ((FRONT, 58, 96, 7, 9),),
    A.SHOULDER_SIDE: ((FRONT, 47, 100, 5, 10), (BACK, 47, 100, 5, 10)),
    A.SHOULDER_BACK: ((BACK, 55, 100, 7, 9),),
    A.SHOULDER_BLADE: ((BACK, 77, 113, 6, 16),),
    A.BETWEEN_SHOULDER_BLADES: ((BACK, 94, 113, 5, 16),),
    A.CHEST: ((FRONT, 82, 108, 12, 10),),
    A.SIDE_OF_CHEST: ((FRONT, 62, 140, 5, 12), (BACK, 62, 140, 5, 12)),
    A.UPPER_ARM_FRONT: ((FRONT, 45, 128, 6, 18),),
    A.UPPER_ARM_BACK: ((BACK, 45, 128, 6, 18),),
    A.ELBOW: ((FRONT, 40, 160, 5, 6), (BACK, 40, 160, 5, 6)),
    A.FOREARM: ((FRONT, 36, 190, 5, 20), (BACK, 36, 190, 5, 20)),
    A.HAND: ((FRONT, 25, 254, 5, 10), (BACK, 25, 254, 5, 10)),
    A.ABDOMEN: ((FRONT, 88, 190, 10, 20),),
    A.MID_BACK: ((BACK, 84, 160, 10, 14),),
    A.LOWER_BACK: ((BACK, 88, 205, 11, 12),),
    A.SACRUM: ((BACK, 97, 250, 4, 12),),
    A.BUTTOCK: ((BACK, 80, 270, 13, 12),),
    A.HIP: ((FRONT, 60, 262, 5, 10), (BACK, 60, 262, 5, 10)),
    A.GROIN: ((FRONT, 88, 282, 6, 6),),
    A.THIGH_BACK: ((BACK, 78, 325, 9, 28),),
    A.THIGH_SIDE: ((FRONT, 63, 320, 5, 26), (BACK, 63, 320, 5, 26)),
    A.CALF: ((BACK, 76, 385, 7, 22),),
}
del A


@dataclass(frozen=True)
class AreaShape:
    area: str
    label: str
    view: str
    cx: float
    cy: float
    rx: float
    ry: float


def _seen_left(view: str) -> str:
    # Seen from the front the figure's left half is the client's right; from the back, left.
    return Side.RIGHT if view == FRONT else Side.LEFT


def shapes_for(pattern: ReferralPattern, side: str) -> list[AreaShape]:
    """The shapes to draw for a muscle's referral on `side` (left, right or bilateral)."""
    sides = (Side.LEFT, Side.RIGHT) if side == Side.BILATERAL else (side,)
    shapes = []
    for area in pattern.areas:
        for view, cx, cy, rx, ry in AREA_SHAPES[area]:
            for one_side in sides:
                x = cx if one_side == _seen_left(view) else WIDTH - cx
                shapes.append(AreaShape(area, BodyArea(area).label, view, x, cy, rx, ry))
    return shapes
