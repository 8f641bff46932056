"""Domain errors: raised by services, turned into a form error or an HTTP 409 in one place."""


class DomainError(Exception):
    """A business rule refused the action. ``code`` is the stable API code (spec/api.md)."""

    status_code = 409

    def __init__(self, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


class InvalidInput(DomainError):
    """Input a service cannot use (a 400, not a state conflict)."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str = "non_field_errors", code: str = "invalid"
    ) -> None:
        super().__init__(code, message)
        self.field = field


class NotFound(DomainError):
    """The object an action names does not exist (a 404)."""

    status_code = 404
