"""Routers whose endpoints commit in the thread that did the work.

FastAPI runs a synchronous endpoint in a worker thread and the tear-down of its dependencies
in another hop. Committing in that later hop would keep the transaction — on SQLite, the one
write lock — open while the request waits for the event loop and a free thread. So every
synchronous endpoint that takes a database session commits it right after it returns, in
the same thread; the ``Db`` dependency then only rolls back what failed and closes
(docs/adr/0006-request-path.md)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                value.commit()
        return result

    run.__hotline_commits__ = True  # type: ignore[attr-defined]
    return run


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not getattr(endpoint, "__hotline_commits__", False):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)


def router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes commit in the endpoint's own thread."""
    return APIRouter(route_class=TransactionalRoute, **kwargs)
