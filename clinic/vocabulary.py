"""The clinical vocabulary: the single source for intake forms and treatment charts alike.

Muscles follow Travell and Simons' common trigger point sites, so that a point reported at
intake and one treated at a visit compare across visits.
"""

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
