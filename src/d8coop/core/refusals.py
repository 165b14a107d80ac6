"""What a service raises when the rules refuse a request: nothing was written.

Pages show `message` (beside `field` when it names one); the API answers `status` with
`{code, message}`.
"""

from __future__ import annotations


class Refused(Exception):
    """A request the rules refuse. `code` is machine-readable, `field` names the input at fault
    when there is one."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotAllowed(Refused):
    """The person may not do this."""

    code = "permission_denied"
    status = 403


class Conflict(Refused):
    """The request does not fit the record's present state."""

    code = "conflict"
    status = 409
