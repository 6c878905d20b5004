"""The consent to treatment a client signs on an intake, by version. A new wording gets a new
version; an intake records the version its client agreed to."""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-12"
CONSENT_TEXT = [
    _(
        "Massage therapy is hands-on work on muscles and soft tissue. Trigger point and deep "
        "tissue work can be firm, and you may feel tender for a day or two afterwards."
    ),
    _(
        "You decide how much pressure is right. Tell your therapist at any time if you want "
        "less pressure, a break, or to stop, and they will do so at once."
    ),
    _(
        "Massage therapy does not replace a doctor's care. Your therapist does not diagnose "
        "illness or prescribe medicine, and may suggest you see a doctor first."
    ),
    _(
        "The health information you give is true to the best of your knowledge, and you will "
        "tell the clinic when it changes (for example a new medication, an injury or a "
        "pregnancy)."
    ),
    _(
        "Your answers are kept as part of your health record. Only the clinic's staff who "
        "treat you and its administrators can read them. You can ask for a copy at any time."
    ),
]
