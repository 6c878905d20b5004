"""One error format for the API: 400 `{"field": [...]}`, others `{"detail": ...}`.

The domain raises plain exceptions (`clinic.errors`, Django's `ValidationError`); this is the
one place that turns them into HTTP answers."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.errors import Conflict, DomainError
from clinic.transactions import is_contention
from clinic.unavailable import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, is_database_unavailable


class ConflictError(exceptions.APIException):
    """A 409: `{"detail": <for people>, "conflict": <the collision's code, for programs>}`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = Conflict.default_message
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is too large: at most {limit} bytes.")


class RefusedError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = DomainError.default_message
    default_code = "refused"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE_MESSAGE
    default_code = "unavailable"


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
    elif is_contention(exc):  # a transaction no retry saved: the other request won, for now
        exc = ConflictError("Another request changed the same data at the same moment; try again.")
    elif is_database_unavailable(exc):
        response = drf_exception_handler(DatabaseUnavailable(), context)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    elif isinstance(exc, RequestDataTooBig):  # Django's own limit on a body (form, multipart)
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many form fields or files
        exc = exceptions.ParseError(str(exc))
    response = drf_exception_handler(exc, context)
    if isinstance(exc, ConflictError) and response is not None:
        response.data = {"detail": response.data["detail"], "conflict": exc.detail.code}
    return response
