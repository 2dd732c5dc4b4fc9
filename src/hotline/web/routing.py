"""Routers whose endpoints commit in the thread that did the work.

FastAPI runs a synchronous endpoint in a worker thread and the tear-down of its dependencies
in another hop. Committing in that later hop would keep the transaction — on SQLite, the one
write lock — open while the request waits for the event loop and a free thread. So every
synchronous endpoint that takes a database session commits it right after it returns, in
the same thread; the ``Db`` dependency then only rolls back what failed and closes
(docs/adr/0006-request-path.md).

Routes of the JSON API (``/api/v1/``) also refuse query parameters they do not declare, with 422
naming the parameter: a misspelt or unsupported filter (``?channel=…`` on a list that has no
such filter) must not silently return everything. Pages stay tolerant (htmx and links add
parameters of their own)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import _get_flat_fields_from_params
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from hotline.kit.errors import InvalidInput


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


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """Every query parameter the endpoint and its dependencies declare (by their alias)."""
    fields, stack = [], [dependant]
    while stack:
        current = stack.pop()
        fields.extend(current.query_params)
        stack.extend(current.dependencies)
    return frozenset(f.alias for f in _get_flat_fields_from_params(fields))


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not getattr(endpoint, "__hotline_commits__", False):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()
        allowed = declared_query_names(self.dependant)
        supported = "、".join(sorted(allowed)) or "无"

        async def checked(request: Request) -> Response:
            if request.url.path.startswith("/api/v1/"):
                for name in request.query_params:
                    if name not in allowed:
                        raise InvalidInput(name, f"不支持的查询参数（本接口支持：{supported}）")
            response: Response = await handler(request)
            return response

        return checked


def router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes commit in the endpoint's own thread."""
    return APIRouter(route_class=TransactionalRoute, **kwargs)
