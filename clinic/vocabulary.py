"""The clinical vocabulary: the single source for intake forms and treatment charts alike.

Muscles follow Travell and Simons' common trigger point sites, so that a point reported at
intake and one treated at a visit compare across visits.
"""

from dataclasses import dataclass

from django.db import models


class Muscle(models.TextChoices):
    UPPER_TRAPEZIUS = "upper_trapezius", "Upper trapezius"
    MIDDLE_TRAPEZIUS = "middle_trapezius", "Middle trapezius"
    LOWER_TRAPEZIUS = "lower_trapezius", "Lower trapezius"
    LEVATOR_SCAPULAE = "levator_scapulae", "Levator scapulae"
    STERNOCLEIDOMASTOID = "sternocleidomastoid", "Sternocleidomastoid"
    SUBOCCIPITALS = "suboccipitals", "Suboccipitals"
    SPLENIUS_CAPITIS = "splenius_capitis", "Splenius capitis"
    SPLENIUS_CERVICIS = "splenius_cervicis", "Splenius cervicis"
    SCALENES = "scalenes", "Scalenes"
    RHOMBOIDS = "rhomboids", "Rhomboids"
    INFRASPINATUS = "infraspinatus", "Infraspinatus"
    SUPRASPINATUS = "supraspinatus", "Supraspinatus"
    TERES_MAJOR = "teres_major", "Teres major"
    TERES_MINOR = "teres_minor", "Teres minor"
    LATISSIMUS_DORSI = "latissimus_dorsi", "Latissimus dorsi"
    PECTORALIS_MAJOR = "pectoralis_major", "Pectoralis major"
    PECTORALIS_MINOR = "pectoralis_minor", "Pectoralis minor"
    SERRATUS_ANTERIOR = "serratus_anterior", "Serratus anterior"
    ILIOCOSTALIS = "iliocostalis", "Erector spinae: iliocostalis"
    LONGISSIMUS = "longissimus", "Erector spinae: longissimus"
    MULTIFIDUS = "multifidus", "Multifidus"
    QUADRATUS_LUMBORUM = "quadratus_lumborum", "Quadratus lumborum"
    GLUTEUS_MAXIMUS = "gluteus_maximus", "Gluteus maximus"
    GLUTEUS_MEDIUS = "gluteus_medius", "Gluteus medius"
    GLUTEUS_MINIMUS = "gluteus_minimus", "Gluteus minimus"
    PIRIFORMIS = "piriformis", "Piriformis"
    TEMPORALIS = "temporalis", "Temporalis"
    MASSETER = "masseter", "Masseter"
    DELTOID = "deltoid", "Deltoid"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"


class Referral(models.TextChoices):
    """Where a trigger point's pain refers to."""

    HEADACHE = "headache", "Headache"
    NECK = "neck", "Neck pain"
    BACK = "back", "Back pain"
    SHOULDER = "shoulder", "Shoulder pain"
    JAW = "jaw", "Jaw pain"
    ARM = "arm", "Arm pain"
    OTHER = "other", "Other"


class Technique(models.TextChoices):
    ISCHEMIC_COMPRESSION = "ischemic_compression", "Ischemic compression"
    STRIPPING = "stripping", "Stripping (deep gliding)"
    CROSS_FIBRE_FRICTION = "cross_fibre_friction", "Cross-fibre friction"
    PIN_AND_STRETCH = "pin_and_stretch", "Pin and stretch"
    MUSCLE_ENERGY = "muscle_energy_technique", "Muscle energy technique"
    MYOFASCIAL_RELEASE = "myofascial_release", "Myofascial release"
    STRETCHING = "stretching", "Stretching"


PAIN_MIN, PAIN_MAX = 0, 10  # numeric rating scale
PRESSURE_MIN, PRESSURE_MAX = 1, 5  # light to very deep


# --- Referral patterns -----------------------------------------------------------------------
# Where a muscle's trigger points commonly send pain, after Travell and Simons' maps, put in our
# own words. One entry per Muscle (a test holds every muscle to it); the charting screen draws
# the areas on the body map and the progress page groups pain by the referral categories.


class BodyArea(models.TextChoices):
    """Areas where referred pain is felt (not muscles: pain is felt where the point is not)."""

    TOP_OF_HEAD = "top_of_head", "Top of the head"
    BACK_OF_HEAD = "back_of_head", "Back of the head"
    TEMPLE = "temple", "Temple"
    FOREHEAD = "forehead", "Forehead"
    EYE = "eye", "Behind and around the eye"
    EAR = "ear", "Ear"
    CHEEK = "cheek", "Cheek"
    JAW = "jaw", "Jaw"
    TEETH = "teeth", "Teeth"
    THROAT = "throat", "Throat"
    NECK_BACK = "neck_back", "Back of the neck"
    NECK_SIDE = "neck_side", "Side of the neck"
    SHOULDER_TOP = "shoulder_top", "Top of the shoulder"
    SHOULDER_FRONT = "shoulder_front", "Front of the shoulder"
    SHOULDER_SIDE = "shoulder_side", "Side of the shoulder"
    SHOULDER_BACK = "shoulder_back", "Back of the shoulder"
    SHOULDER_BLADE = "shoulder_blade", "Along the shoulder blade"
    BETWEEN_SHOULDER_BLADES = "between_shoulder_blades", "Between the shoulder blades"
    CHEST = "chest", "Chest"
    SIDE_OF_CHEST = "side_of_chest", "Side of the chest"
    UPPER_ARM_FRONT = "upper_arm_front", "Front of the upper arm"
    UPPER_ARM_BACK = "upper_arm_back", "Back of the upper arm"
    ELBOW = "elbow", "Elbow"
    FOREARM = "forearm", "Forearm"
    HAND = "hand", "Hand and fingers"
    ABDOMEN = "abdomen", "Abdomen"
    MID_BACK = "mid_back", "Middle of the back"
    LOWER_BACK = "lower_back", "Lower back"
    SACRUM = "sacrum", "Sacrum and tailbone"
    BUTTOCK = "buttock", "Buttock"
    HIP = "hip", "Side of the hip"
    GROIN = "groin", "Groin"
    THIGH_BACK = "thigh_back", "Back of the thigh"
    THIGH_SIDE = "thigh_side", "Side of the thigh"
    CALF = "calf", "Calf"


@dataclass(frozen=True)
class ReferralPattern:
    """A muscle's common referral: the areas where its points send pain, the referral
    categories that pain counts under (intake's `refers_to`, the progress trends), in words."""

    muscle: str
    areas: tuple[str, ...]
    referrals: tuple[str, ...]
    summary: str

    @property
    def area_labels(self) -> list[str]:
        return [BodyArea(area).label for area in self.areas]


A, R, M = BodyArea, Referral, Muscle

_PATTERNS = [
    (
        M.UPPER_TRAPEZIUS,
        (A.NECK_SIDE, A.NECK_BACK, A.TEMPLE, A.EYE, A.JAW, A.EAR),
        (R.HEADACHE, R.NECK),
        "Up the side and back of the neck, behind the ear, to the temple and behind the eye, "
        "sometimes the angle of the jaw: a classic tension headache.",
    ),
    (
        M.MIDDLE_TRAPEZIUS,
        (A.BETWEEN_SHOULDER_BLADES, A.SHOULDER_TOP),
        (R.BACK, R.SHOULDER),
        "A burning ache between the shoulder blades beside the spine, and over the top of the "
        "shoulder.",
    ),
    (
        M.LOWER_TRAPEZIUS,
        (A.NECK_BACK, A.BACK_OF_HEAD, A.SHOULDER_TOP, A.SHOULDER_BLADE),
        (R.NECK, R.SHOULDER),
        "Up to the back of the neck and the bony bump behind the ear, over the top of the "
        "shoulder, and along the upper shoulder blade.",
    ),
    (
        M.LEVATOR_SCAPULAE,
        (A.NECK_SIDE, A.SHOULDER_BLADE, A.SHOULDER_BACK),
        (R.NECK, R.SHOULDER),
        "Into the angle where the neck meets the shoulder, down the inner edge of the shoulder "
        "blade: the stiff neck that will not turn.",
    ),
    (
        M.STERNOCLEIDOMASTOID,
        (A.FOREHEAD, A.EYE, A.CHEEK, A.EAR, A.TOP_OF_HEAD, A.BACK_OF_HEAD, A.THROAT),
        (R.HEADACHE, R.OTHER),
        "Around and behind the eye, the cheek and forehead, the top and back of the head, deep "
        "in the ear and the throat; sometimes dizziness.",
    ),
    (
        M.SUBOCCIPITALS,
        (A.BACK_OF_HEAD, A.TEMPLE, A.EYE, A.FOREHEAD),
        (R.HEADACHE,),
        "A deep headache from the base of the skull round the side of the head to the eye and "
        "forehead, hard to point to.",
    ),
    (
        M.SPLENIUS_CAPITIS,
        (A.TOP_OF_HEAD,),
        (R.HEADACHE,),
        "To the top of the head on the same side.",
    ),
    (
        M.SPLENIUS_CERVICIS,
        (A.EYE, A.BACK_OF_HEAD, A.NECK_SIDE),
        (R.HEADACHE, R.NECK),
        "Through the head to behind the eye, the back of the head, and the angle of the neck.",
    ),
    (
        M.SCALENES,
        (A.CHEST, A.UPPER_ARM_FRONT, A.UPPER_ARM_BACK, A.FOREARM, A.HAND, A.SHOULDER_BLADE),
        (R.ARM, R.SHOULDER, R.BACK),
        "Into the chest, down the front and back of the arm to the thumb and index finger, and "
        "along the inner edge of the shoulder blade.",
    ),
    (
        M.RHOMBOIDS,
        (A.SHOULDER_BLADE, A.BETWEEN_SHOULDER_BLADES),
        (R.BACK,),
        "A surface ache along the inner edge of the shoulder blade, felt at rest.",
    ),
    (
        M.INFRASPINATUS,
        (A.SHOULDER_FRONT, A.UPPER_ARM_FRONT, A.FOREARM, A.HAND),
        (R.SHOULDER, R.ARM),
        "Deep in the front of the shoulder joint, down the front and outside of the arm, "
        "sometimes into the hand: cannot reach behind the back.",
    ),
    (
        M.SUPRASPINATUS,
        (A.SHOULDER_SIDE, A.UPPER_ARM_FRONT, A.ELBOW),
        (R.SHOULDER, R.ARM),
        "A deep ache in the side of the shoulder, down the outer arm, often to the outside of "
        "the elbow.",
    ),
    (
        M.TERES_MAJOR,
        (A.SHOULDER_BACK, A.UPPER_ARM_BACK, A.FOREARM),
        (R.SHOULDER, R.ARM),
        "The back of the shoulder and the back of the upper arm, sometimes the back of the "
        "forearm.",
    ),
    (
        M.TERES_MINOR,
        (A.SHOULDER_BACK,),
        (R.SHOULDER,),
        "A small, sharp spot at the back of the shoulder, like a bursitis.",
    ),
    (
        M.LATISSIMUS_DORSI,
        (A.MID_BACK, A.SHOULDER_BLADE, A.UPPER_ARM_BACK, A.HAND),
        (R.BACK, R.ARM),
        "A constant ache under the lower tip of the shoulder blade and the mid-back, down the "
        "back of the arm to the ring and little fingers.",
    ),
    (
        M.PECTORALIS_MAJOR,
        (A.CHEST, A.SHOULDER_FRONT, A.UPPER_ARM_FRONT, A.HAND),
        (R.SHOULDER, R.ARM, R.OTHER),
        "Over the front of the chest and shoulder, down the inner arm to the little-finger "
        "side of the hand (rule out the heart first).",
    ),
    (
        M.PECTORALIS_MINOR,
        (A.SHOULDER_FRONT, A.CHEST, A.UPPER_ARM_FRONT, A.HAND),
        (R.SHOULDER, R.ARM),
        "The front of the shoulder and the chest, down the inner arm to the last three fingers.",
    ),
    (
        M.SERRATUS_ANTERIOR,
        (A.SIDE_OF_CHEST, A.SHOULDER_BLADE, A.UPPER_ARM_FRONT),
        (R.BACK, R.OTHER),
        "The side of the chest at the middle ribs and the lower tip of the shoulder blade: a "
        "stitch, breath held short.",
    ),
    (
        M.ILIOCOSTALIS,
        (A.MID_BACK, A.LOWER_BACK, A.ABDOMEN, A.BUTTOCK),
        (R.BACK,),
        "Up and down the back from the point, round to the belly from the mid-back, and down "
        "to the buttock from the low back.",
    ),
    (
        M.LONGISSIMUS,
        (A.LOWER_BACK, A.BUTTOCK),
        (R.BACK,),
        "Well below the point, into the low back and the buttock.",
    ),
    (
        M.MULTIFIDUS,
        (A.LOWER_BACK, A.SACRUM, A.ABDOMEN),
        (R.BACK,),
        "Close to the spine at the point's level, the sacrum and tailbone, sometimes the belly.",
    ),
    (
        M.QUADRATUS_LUMBORUM,
        (A.LOWER_BACK, A.HIP, A.SACRUM, A.BUTTOCK, A.GROIN),
        (R.BACK,),
        "Along the top of the pelvis, the side of the hip, the sacroiliac joint and the lower "
        "buttock, sometimes the groin: the low back pain that makes turning in bed hard.",
    ),
    (
        M.GLUTEUS_MAXIMUS,
        (A.BUTTOCK, A.SACRUM),
        (R.BACK,),
        "Over the buttock, the sacrum and the tailbone; sitting long hurts.",
    ),
    (
        M.GLUTEUS_MEDIUS,
        (A.LOWER_BACK, A.SACRUM, A.BUTTOCK, A.THIGH_SIDE),
        (R.BACK,),
        "Along the top of the pelvis and the sacrum, across the buttock, into the upper thigh.",
    ),
    (
        M.GLUTEUS_MINIMUS,
        (A.BUTTOCK, A.THIGH_SIDE, A.THIGH_BACK, A.CALF),
        (R.BACK, R.OTHER),
        "Down the side or back of the thigh and calf, sometimes to the ankle: it can pass for "
        "sciatica.",
    ),
    (
        M.PIRIFORMIS,
        (A.SACRUM, A.BUTTOCK, A.HIP, A.THIGH_BACK),
        (R.BACK, R.OTHER),
        "The sacroiliac area, across the buttock and the back of the hip, down the back of the "
        "thigh.",
    ),
    (
        M.TEMPORALIS,
        (A.TEMPLE, A.FOREHEAD, A.EYE, A.TEETH),
        (R.HEADACHE, R.JAW),
        "Over the temple, the eyebrow and behind the eye, into the upper teeth.",
    ),
    (
        M.MASSETER,
        (A.JAW, A.CHEEK, A.TEETH, A.FOREHEAD, A.EAR),
        (R.JAW, R.HEADACHE),
        "The jaw and cheek, the upper and lower back teeth, above the eyebrow, deep in the ear "
        "(sometimes ringing).",
    ),
    (
        M.DELTOID,
        (A.SHOULDER_FRONT, A.SHOULDER_SIDE, A.SHOULDER_BACK),
        (R.SHOULDER,),
        "Around the point itself, on the front, side or back of the shoulder.",
    ),
]

REFERRAL_PATTERNS: dict[str, ReferralPattern] = {
    muscle: ReferralPattern(muscle, areas, referrals, summary)
    for muscle, areas, referrals, summary in _PATTERNS
}
del A, R, M


def referral_pattern(muscle: str) -> ReferralPattern:
    """Where `muscle`'s trigger points commonly refer pain (KeyError for an unknown muscle)."""
    return REFERRAL_PATTERNS[muscle]
