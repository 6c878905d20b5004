"""One error format for the API: 400 `{"field": [...]}`, others `{"detail": ...}`.

The domain raises plain exceptions (`clinic.errors`, Django's `ValidationError`); this is the
one place that turns them into HTTP answers."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.errors import Conflict, DomainError


class ConflictError(exceptions.APIException):
    """A 409: `{"detail": <for people>, "conflict": <the collision's code, for programs>}`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = Conflict.default_message
    default_code = "conflict"


class RefusedError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = DomainError.default_message
    default_code = "refused"


def as_api_exception(exc: DomainError) -> exceptions.APIException:
    """A domain error as DRF's: a Conflict is a 409, any other refusal a 400."""
    if isinstance(exc, Conflict):
        return ConflictError(exc.message, code=exc.code)
    return RefusedError(exc.message)


def as_drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        if NON_FIELD_ERRORS in errors:  # Django's "__all__" is DRF's "non_field_errors"
            errors.setdefault("non_field_errors", []).extend(errors.pop(NON_FIELD_ERRORS))
        return exceptions.ValidationError(errors)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    # Services raise Django's ValidationError; the API answers it as a 400 with field errors.
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_validation_error(exc)
    elif isinstance(exc, DomainError):
        exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, ConflictError) and response is not None:
        response.data = {"detail": response.data["detail"], "conflict": exc.detail.code}
    return response
