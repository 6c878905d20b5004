from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import Client

User = get_user_model()


@transaction.atomic
def register_client(
    *, username: str, password: str, email: str, first_name: str, last_name: str, **extra
) -> Client:
    """Create a login and its client record together, or neither.

    Usernames and emails are unique (emails case-insensitively, across logins and client
    records); the password must pass Django's validators.
    """
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if (
        User.objects.filter(email__iexact=email).exists()
        or Client.objects.filter(email__iexact=email).exists()
    ):
        errors["email"] = ["An account with this email already exists."]
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    return Client.objects.create(
        user=user, first_name=first_name, last_name=last_name, email=email, **extra
    )
