"""Errors that carry their HTTP status.

Services raise these; they never raise HTTP exceptions. The web layer turns each into a
response with the status and a body ``{"error": code, "message": ..., "field": ...}``.
"""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    """Base of every error the platform reports to a caller."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.detail}


class InvalidInput(HotlineError):
    """A field failed validation: the caller gets 422 naming the field and the reason."""

    status_code = 422
    code = "invalid"

    def __init__(self, field: str, reason: str, **detail: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason, **detail)
        self.field = field
        self.reason = reason


class RowErrors(HotlineError):
    """An import file had bad rows; nothing was imported."""

    status_code = 422
    code = "invalid_rows"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} 行有错误，未导入任何数据", errors=errors)
        self.errors = errors


class NotFound(HotlineError):
    """The object does not exist, or the caller may not know that it does."""

    status_code = 404
    code = "not_found"


class Forbidden(HotlineError):
    """The caller is known but the action is outside their role."""

    status_code = 403
    code = "forbidden"


class Unauthenticated(HotlineError):
    status_code = 401
    code = "unauthenticated"


class PasswordChangeRequired(Forbidden):
    """The account logs in with an initial or reset password: it must choose its own first."""

    code = "password_change_required"


class Conflict(HotlineError):
    """A duplicate, a stale version or an illegal transition."""

    status_code = 409
    code = "conflict"


class StaleVersion(Conflict):
    code = "stale_version"


class IllegalTransition(Conflict):
    code = "illegal_transition"
