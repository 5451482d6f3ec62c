"""Errors of the process commands; each maps to one HTTP status and a stable error code.

    ProcessError
    ├── NotSignedIn     401  no valid token or session cookie
    ├── Forbidden       403  signed in, but this person may not do this
    ├── NotFound        404  no such plan, organisation, person, group, commitment, session, input
    ├── Conflict        409  not at this stage, or someone changed it at the same time
    ├── TooLarge        413  the request body is over the limit
    ├── Invalid         422  a field is missing or has the wrong type or value
    ├── RateLimited     429  too much public input from one address or in total
    └── Unavailable     503  the log cannot be reached or followed right now
"""

from __future__ import annotations


class ProcessError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotSignedIn(ProcessError):
    status = 401
    code = "not_signed_in"


class Forbidden(ProcessError):
    status = 403
    code = "forbidden"


class NotFound(ProcessError):
    status = 404
    code = "not_found"


class Conflict(ProcessError):
    status = 409
    code = "conflict"


class TooLarge(ProcessError):
    status = 413
    code = "body_too_large"


class Invalid(ProcessError):
    status = 422
    code = "invalid"


class RateLimited(ProcessError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(ProcessError):
    status = 503
    code = "unavailable"
