from django.core.management import call_command

from bookings.models import Booking, BookingEvent


def test_seed_demo_books_the_future_through_the_services_and_stays_idempotent(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    carls = Booking.objects.filter(client__user__username="carl")
    statuses = sorted(carls.values_list("status", flat=True))
    assert statuses == ["completed", "completed", "completed", "confirmed", "requested"]
    # The two future bookings went through the services: they carry their history.
    assert BookingEvent.objects.filter(to_status="requested").count() == 2
    assert BookingEvent.objects.filter(to_status="confirmed").count() == 1
