"""Who a user is to the clinic: derived from the user's links, never stored twice."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    THERAPIST = "therapist", "Therapist"
    CLIENT = "client", "Client"


def role_of(user) -> str | None:
    """admin (staff) > therapist (has a therapist profile) > client (has a client record)."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff:
        return Role.ADMIN
    if therapist_of(user) is not None:
        return Role.THERAPIST
    if client_of(user) is not None:
        return Role.CLIENT
    return None


def _linked(user, attr: str):
    if user is None or not user.is_authenticated:
        return None
    try:
        return getattr(user, attr)
    except models.ObjectDoesNotExist:
        return None


def therapist_of(user):
    return _linked(user, "therapist")


def client_of(user):
    return _linked(user, "client")


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)
