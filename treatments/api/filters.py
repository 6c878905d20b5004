from django.http import Http404

from clinic.api.fields import FilterSet, IdFilter, StrictBooleanFilter
from clinic.roles import is_admin, therapist_of
from treatments import selectors
from treatments.models import TreatmentNote


class TreatmentNoteFilter(FilterSet):
    client = IdFilter(method="filter_client", label="Client id")
    booking = IdFilter(field_name="booking_id", label="Booking id")
    therapist = IdFilter(field_name="therapist_id", label="Treating therapist id")
    signed = StrictBooleanFilter(method="filter_signed", label="Signed (locked) or not")
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        label="Unsigned notes older than the clinic's note_overdue_hours (a therapist's own)",
    )

    class Meta:
        model = TreatmentNote
        fields = ["client", "booking", "therapist", "signed", "overdue"]

    def filter_client(self, notes, name, value):
        # A client the caller may not see is 404, as on the client's own routes.
        if not selectors.clients_in_care_of(self.request.user).filter(pk=value).exists():
            raise Http404
        return notes.filter(booking__client_id=value)

    def filter_signed(self, notes, name, value):
        return notes.filter(signed_at__isnull=not value)

    def filter_overdue(self, notes, name, value):
        is_overdue = selectors.overdue_condition(getattr(self.request, "clinic", None))
        if not value:
            return notes.exclude(is_overdue)
        therapist = therapist_of(self.request.user)
        if therapist is not None and not is_admin(self.request.user):
            notes = notes.filter(therapist=therapist)  # what *they* have to sign
        return notes.filter(is_overdue)
