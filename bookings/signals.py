"""Schedule changes made in the therapists app free or take time: they ask for a waitlist scan
(therapists must not import bookings, so bookings listens)."""

from django.db.models.signals import post_delete, post_save


def _schedule_changed(sender, **kwargs) -> None:
    from bookings import waitlist

    waitlist.request_scan()


def connect() -> None:
    from therapists.models import TimeOff, WorkingHours

    for model in (WorkingHours, TimeOff):
        post_save.connect(_schedule_changed, sender=model, dispatch_uid=f"waitlist-{model}-save")
        post_delete.connect(
            _schedule_changed, sender=model, dispatch_uid=f"waitlist-{model}-delete"
        )
