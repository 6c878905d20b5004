"""Load the demo clinic. Idempotent: running it twice creates nothing twice."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingEvent, BookingStatus, CancelledBy
from bookings.signals import announce
from clients.contraindications import FlagCode
from clients.models import Client, FlagResolution, Intake
from clients.selectors import active_flags_of
from clients.services import record_intake, resolve_flag
from clinic.models import Clinic, Modality, Service
from clinic.vocabulary import Muscle, Referral, Side, Technique
from therapists.models import Therapist, TimeOff, WorkingHours
from treatments import services as charting
from treatments.models import TreatmentNote

DEMO_PASSWORD = "kneadly-demo"
# Carl's three visits with Tess: the upper trapezius point behind his headaches and the levator
# scapulae point both ease from visit to visit.
# (upper trapezius right: pain before, after), (levator scapulae left: before, after), SOAP
CARL_VISITS = [
    (
        (7, 4),
        (5, 3),
        {
            "subjective": "Tension headaches behind the right eye most afternoons for two months; "
            "desk work. Neck stiff turning left.",
            "objective": "Active trigger point in right upper trapezius reproducing the headache; "
            "taut band in left levator scapulae. Cervical rotation to the left limited.",
            "assessment": "Upper trapezius referral pattern consistent with the headaches. "
            "Good response to ischemic compression.",
            "plan": "Weekly for three weeks. Heat and upper trapezius stretch twice a day.",
        },
    ),
    (
        (5, 3),
        (4, 2),
        {
            "subjective": "Headaches down to two or three a week, milder.",
            "objective": "Upper trapezius point less irritable; referral still reproduced.",
            "assessment": "Improving. Tolerated deeper pressure.",
            "plan": "Continue weekly; add levator scapulae stretch.",
        },
    ),
    (
        (3, 1),
        (2, 1),
        {
            "subjective": "One mild headache this week. Neck turns freely.",
            "objective": "Upper trapezius point latent; no referral on pressure.",
            "assessment": "Marked improvement over three visits.",
            "plan": "Move to every three weeks; keep the home stretches.",
        },
    ),
]
User = get_user_model()

SERVICES = [
    ("Trigger point therapy", Modality.TRIGGER_POINT, 30, 10, "65.00"),
    ("Trigger point therapy", Modality.TRIGGER_POINT, 60, 15, "110.00"),
    ("Deep tissue massage", Modality.DEEP_TISSUE, 60, 15, "120.00"),
    ("Deep tissue massage", Modality.DEEP_TISSUE, 90, 15, "165.00"),
]
THERAPISTS = [
    # username, display name, modalities, (weekdays, start, end) intervals
    (
        "tess",
        "Tess Moreau, RMT",
        [Modality.TRIGGER_POINT, Modality.DEEP_TISSUE],
        [(range(0, 5), time(9), time(12)), (range(0, 5), time(13), time(17))],
    ),
    ("omar", "Omar Haddad, RMT", [Modality.DEEP_TISSUE], [(range(1, 6), time(10), time(18))]),
    ("lina", "Lina Park, RMT", [Modality.TRIGGER_POINT], [(range(0, 4), time(8), time(14))]),
]
CLIENTS = [
    ("carl", "Carl", "Bishop", "carl@example.com"),
    ("dana", "Dana", "Okafor", "dana@example.com"),
    ("eli", "Eli", "Novak", "eli@example.com"),
    ("fay", "Fay", "Laurent", "fay@example.com"),
]


def _user(username: str, email: str, hashed: list[str], **fields):
    """The demo login `username`, made if missing. The logins share a password, so they share
    one hash (kept in `hashed` for the run): hashing is slow on purpose, about half a second
    each, and hashing it for every login was most of a fresh `make run`'s seeding."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, **fields}
    )
    if created:
        if not hashed:
            hashed.append(make_password(DEMO_PASSWORD))
        user.password = hashed[0]
        user.save(update_fields=["password"])
    return user


def _next_weekday(day, weekday: int):
    return day + timedelta(days=(weekday - day.weekday()) % 7)


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent). Demo logins use the password kneadly-demo."

    @transaction.atomic
    def handle(self, *args, **options):
        clinic = Clinic.get()
        if clinic.name == Clinic._meta.get_field("name").default:
            clinic.name = "Kneadly Demo Clinic"
            clinic.address = "120 King St W, Toronto, ON"
            clinic.phone = "+1 416 555 0100"
            clinic.timezone = "America/Toronto"
            clinic.save()

        hashed: list[str] = []
        _user("admin", "admin@example.com", hashed, is_staff=True, is_superuser=True)

        services = {}
        for name, modality, minutes, buffer, price in SERVICES:
            services[(modality, minutes)], _ = Service.objects.get_or_create(
                modality=modality,
                duration_minutes=minutes,
                defaults={"name": name, "buffer_minutes": buffer, "price": Decimal(price)},
            )

        therapists = {}
        for username, display_name, modalities, intervals in THERAPISTS:
            user = _user(username, f"{username}@kneadly.example", hashed)
            therapist, created = Therapist.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": display_name,
                    "modalities": modalities,
                    "license_number": f"RMT-{1000 + user.pk}",
                    "license_expires_on": timezone.localdate() + timedelta(days=365),
                    "bio": "Registered massage therapist.",
                },
            )
            if created:
                therapist.services.set(s for (m, _), s in services.items() if m in modalities)
                WorkingHours.objects.bulk_create(
                    WorkingHours(therapist=therapist, weekday=d, start_time=s, end_time=e)
                    for days, s, e in intervals
                    for d in days
                )
                if username == "lina":  # a long weekend away, three weeks out
                    friday = _next_weekday(timezone.localdate() + timedelta(days=21), 4)
                    TimeOff.objects.create(
                        therapist=therapist,
                        start=datetime.combine(friday, time(0), tzinfo=clinic.tz),
                        end=datetime.combine(friday + timedelta(days=3), time(0), tzinfo=clinic.tz),
                        reason="Continuing education course",
                    )
            therapists[username] = therapist

        clients = {}
        for username, first, last, email in CLIENTS:
            user = _user(username, email, hashed, first_name=first, last_name=last)
            client, created = Client.objects.get_or_create(
                user=user,
                defaults={"first_name": first, "last_name": last, "email": email},
            )
            clients[username] = client
            if created:
                self._intake(client, username)

        self._bookings(clinic, therapists, clients, services)
        self._treatment_notes(therapists["tess"], clients["carl"])
        self._flag_resolution_demo(therapists["tess"], clients["carl"])
        self._reminder_demo(clinic, therapists, clients, services)
        self._cancellation_demo(clinic, therapists, clients, services)
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))

    def _intake(self, client, username):
        today = timezone.localdate(timezone=Clinic.get().tz)
        health = {
            # Raises the skin condition flag, which tess resolves (_flag_resolution_demo).
            "carl": {"conditions": "Tension headaches; eczema on the neck", "skin_condition": True},
            # Raises the anticoagulants flag.
            "dana": {"medications": "Warfarin", "takes_anticoagulants": True},
            "eli": {"allergies": "Nut oils"},
            # Raises the recent surgery flag (for 12 weeks after the seed runs).
            "fay": {
                "recent_surgery": "Left shoulder arthroscopy",
                "recent_surgery_date": today - timedelta(weeks=5),
                "areas_of_concern": "Left shoulder and upper back",
            },
        }[username]
        points = [
            {
                "muscle": Muscle.UPPER_TRAPEZIUS,
                "side": Side.RIGHT,
                "pain": 7,
                "refers_to": Referral.HEADACHE,
                "note": "Behind the right eye by afternoon",
            },
            {
                "muscle": Muscle.LEVATOR_SCAPULAE,
                "side": Side.LEFT,
                "pain": 5,
                "refers_to": Referral.NECK,
            },
        ]
        if username == "fay":
            points = [
                {
                    "muscle": Muscle.INFRASPINATUS,
                    "side": Side.LEFT,
                    "pain": 6,
                    "refers_to": Referral.SHOULDER,
                    "note": "Deep ache at the front of the shoulder",
                }
            ]
        fields = {
            "pressure_preference": "firm",
            "areas_of_concern": "Neck and upper back",
            "consent_given": True,
            "consent_version": "2026-01",
            **health,
        }
        record_intake(client, recorded_by=client.user, reported_trigger_points=points, **fields)

    def _bookings(self, clinic, therapists, clients, services):
        if Booking.objects.filter(client=clients["carl"]).exists():
            return
        admin = User.objects.get(username="admin")
        tz = clinic.tz
        today = timezone.localdate(timezone=tz)
        tp60 = services[(Modality.TRIGGER_POINT, 60)]
        plan = [
            (-21, BookingStatus.COMPLETED),
            (-14, BookingStatus.COMPLETED),
            (-7, BookingStatus.COMPLETED),
            (7, BookingStatus.CONFIRMED),
            (14, BookingStatus.REQUESTED),
        ]
        for offset, status in plan:
            day = _next_weekday(today + timedelta(days=offset), 2)  # a Wednesday
            start = datetime.combine(day, time(10), tzinfo=tz)
            if start <= timezone.now():
                # History: the services only book the future, so past visits are inserted.
                booking = Booking(
                    therapist=therapists["tess"],
                    client=clients["carl"],
                    service=tp60,
                    status=status,
                )
                booking.set_times(start)
                booking.save()
                continue
            booking = booking_services.create_booking(
                client=clients["carl"],
                therapist=therapists["tess"],
                service=tp60,
                start=start,
                actor=admin,
            )
            if status == BookingStatus.CONFIRMED:
                booking_services.confirm_booking(booking, actor=admin)

    def _treatment_notes(self, tess, carl):
        """Signed notes for Carl's completed visits, unless he has notes already."""
        if TreatmentNote.objects.filter(booking__client=carl).exists():
            return
        visits = list(
            Booking.objects.filter(
                client=carl, therapist=tess, status=BookingStatus.COMPLETED
            ).order_by("start")
        )
        if not visits:
            return
        # His intake predates his first visit, so that progress reads in order.
        Intake.objects.filter(client=carl, created_at__gt=visits[0].start).update(
            created_at=visits[0].start - timedelta(days=2)
        )
        for booking, (trapezius, levator, soap) in zip(visits, CARL_VISITS, strict=False):
            points = [
                {
                    "muscle": Muscle.UPPER_TRAPEZIUS,
                    "side": Side.RIGHT,
                    "technique": Technique.ISCHEMIC_COMPRESSION,
                    "pressure": 3 if trapezius[0] > 5 else 4,
                    "pain_before": trapezius[0],
                    "pain_after": trapezius[1],
                    "referral_reproduced": trapezius[0] > 3,
                    "note": "Referral to the right temple",
                },
                {
                    "muscle": Muscle.LEVATOR_SCAPULAE,
                    "side": Side.LEFT,
                    "technique": Technique.PIN_AND_STRETCH,
                    "pressure": 3,
                    "pain_before": levator[0],
                    "pain_after": levator[1],
                },
            ]
            note = charting.create_note(
                user=tess.user, booking=booking, treated_trigger_points=points, **soap
            )
            charting.sign_note(user=tess.user, note=note)

    def _flag_resolution_demo(self, tess, carl):
        """Carl's intake raised a skin condition flag; tess saw at his visits that the eczema
        had cleared and resolved it, with her reason (shown in his flag history, no longer among
        his active flags). Once: a flag resolved or reactivated before is left as it is."""
        if FlagResolution.objects.filter(client=carl).exists():
            return
        if FlagCode.SKIN_CONDITION not in {flag.code for flag in active_flags_of(carl)}:
            return
        resolve_flag(
            carl,
            code=FlagCode.SKIN_CONDITION,
            reason="The eczema on his neck has cleared (checked at his last two visits).",
            resolved_by=tess.user,
        )

    def _reminder_demo(self, clinic, therapists, clients, services):
        """An upcoming booking whose 2-hour reminder goes out a few minutes after `make run`
        (to var/mail/), unless the demo client already has one that has not ended."""
        client = clients["eli"]
        now = timezone.now()
        if Booking.objects.active().filter(client=client, end__gt=now).exists():
            return
        start = (now + timedelta(hours=2, minutes=2)).replace(second=0, microsecond=0)
        start += timedelta(minutes=-start.minute % 5)
        # Inserted directly, like the past visits: whenever `make run` starts, the time may be
        # outside the therapist's hours or off the slot grid. The seam still plans its reminders.
        booking = Booking(
            therapist=therapists["omar"],
            client=client,
            service=services[(Modality.DEEP_TISSUE, 60)],
            status=BookingStatus.CONFIRMED,
            notes="Demo: its 2-hour reminder goes out a few minutes after the seed.",
        )
        booking.set_times(start)
        booking.save()
        announce(booking, previous_status=None)
        due = timezone.localtime(start - timedelta(hours=2), clinic.tz)
        self.stdout.write(f"Demo booking {booking.pk}: its reminder goes out at {due:%H:%M %Z}.")

    def _cancellation_demo(self, clinic, therapists, clients, services):
        """Two cancellations the reports tell apart, unless they are there already: the clinic
        cancels Dana's visit with Omar next week (through the services, so she and Omar are
        notified, saying the clinic cancelled and why), and Fay cancelled last week's visit with
        Lina an hour before it (history, inserted like the past visits): a late cancellation."""
        cancelled = Booking.objects.filter(status=BookingStatus.CANCELLED)
        admin = User.objects.get(username="admin")
        today = timezone.localdate(timezone=clinic.tz)
        if not cancelled.filter(client=clients["dana"], cancelled_by=CancelledBy.CLINIC).exists():
            thursday = _next_weekday(today + timedelta(days=8), 3)
            booking = booking_services.create_booking(
                client=clients["dana"],
                therapist=therapists["omar"],
                service=services[(Modality.DEEP_TISSUE, 60)],
                start=datetime.combine(thursday, time(11), tzinfo=clinic.tz),
                actor=admin,
            )
            booking_services.cancel_booking(
                booking,
                actor=admin,
                reason="Omar is away on a course that day",
                initiated_by=CancelledBy.CLINIC,
            )
        if not cancelled.filter(client=clients["fay"], late_cancellation=True).exists():
            tuesday = _next_weekday(today - timedelta(days=7), 1)
            booking = Booking(
                therapist=therapists["lina"],
                client=clients["fay"],
                service=services[(Modality.TRIGGER_POINT, 60)],
                price=services[(Modality.TRIGGER_POINT, 60)].price,
                status=BookingStatus.CANCELLED,
                cancelled_by=CancelledBy.CLIENT,
                late_cancellation=True,
                cancel_reason="Called an hour before: stuck at work",
            )
            booking.set_times(datetime.combine(tuesday, time(9), tzinfo=clinic.tz))
            booking.save()
            BookingEvent.objects.create(
                booking=booking,
                actor=admin,
                from_status=BookingStatus.CONFIRMED,
                to_status=BookingStatus.CANCELLED,
                reason=booking.cancel_reason,
                to_start=booking.start,
            )
