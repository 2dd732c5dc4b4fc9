"""Helpers for HTML form pages: the parsed form, and re-rendering a form with its errors."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from hotline.kit.db import MAX_ID
from hotline.kit.errors import HotlineError, InvalidInput

E = TypeVar("E", bound=enum.Enum)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        if key.endswith("[]"):
            # strings (checkboxes, multi-selects) or, for a file input, the files chosen
            out[key[:-2]] = ([v for v in values if isinstance(v, str)]
                             or [v for v in values if isinstance(v, UploadFile) and v.filename])
        else:
            value = values[-1]
            out[key] = value if isinstance(value, UploadFile) else str(value)
    return out


Form = Annotated[dict[str, Any], Depends(_form)]


def text(form: dict[str, Any], key: str) -> str | None:
    value = form.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def flag(form: dict[str, Any], key: str) -> bool:
    return form.get(key) in ("1", "on", "true")


def error_map(exc: HotlineError) -> tuple[dict[str, str], str]:
    """Field errors for the form, and the banner text."""
    if isinstance(exc, InvalidInput):
        return {exc.field: exc.reason}, exc.reason
    return {}, exc.message


def refused(db: Session, exc: HotlineError, page: Callable[..., Response], **kw: Any) -> Response:
    """A form action the service refused: roll back what it wrote, then ``page`` again with the
    field errors, the banner and the refusal's status (``kw``: more for the page, e.g. the
    values typed)."""
    db.rollback()
    errors, banner = error_map(exc)
    return page(status=exc.status_code, errors=errors, flash=banner, flash_kind="err", **kw)


def choice(form: dict[str, Any], key: str, cls: type[E]) -> E | None:
    """The enum member named by a form field, or None when absent or unknown."""
    value = form.get(key)
    try:
        return cls(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def integer(values: Mapping[str, Any], key: str, *, maximum: int = MAX_ID) -> int | None:
    """A non-negative integer from a form or query string; None when absent, malformed or
    out of range (so that no caller can make the database driver overflow)."""
    value = values.get(key)
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,10}", value.strip()):
        return None
    number = int(value)
    return number if number <= maximum else None


def offset(request: Request) -> int:
    return integer(request.query_params, "offset") or 0
