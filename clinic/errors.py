"""Domain errors: plain exceptions raised by services, whatever calls them (the API, the admin,
a task, a management command). The API's one exception handler (`clinic.api.exceptions`)
maps them to HTTP; a rule refused for a field is Django's `ValidationError` (a 400)."""


class DomainError(Exception):
    """A request the domain refuses as a whole. `message` is said to the caller as it is."""

    default_message = "This cannot be done."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Conflict(DomainError):
    """The request collides with the state of things (a taken slot, an offer no longer open):
    the API answers 409. `constraint` names the database constraint that refused it, if any;
    `code` names the collision for programs (the constraint, else a short word)."""

    default_message = "This collides with another booking."

    def __init__(
        self, message: str | None = None, *, constraint: str | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.constraint = constraint
        self.code = code or constraint or "conflict"
