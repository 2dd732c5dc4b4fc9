"""The GeoReport v2 resources under ``/open311/v2/`` (and discovery at ``/open311/``), each in
``.json`` and ``.xml``, and the administrator's JSON API for keys and service definitions
under ``/api/v1/open311/``.

Every answer of a GeoReport resource is in the requested format; every refusal is the
specification's error array with its status: 400 (a missing or invalid field), 403 (a
missing or wrong ``api_key``), 404 (an unknown request, service, token or jurisdiction), 429
(over the key's rate limit, with ``Retry-After``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from starlette.datastructures import UploadFile

from hotline.channels.open311 import formats, service
from hotline.kit.errors import Conflict, Forbidden, HotlineError, InvalidInput, NotFound, Unauthenticated
from hotline.kit.ratelimit import TooManyRequests
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath

log = logging.getLogger(__name__)
router = routing.router(tags=["open311"])
admin_router = routing.router(prefix="/open311", tags=["open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-05T15:00:00+08:00"


def _fmt(value: str) -> str:
    return value if value in formats.FORMATS else "json"


def _response(fmt: str, status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=formats.FORMATS[fmt], headers=headers)


def _refusal(fmt: str, exc: BaseException) -> Response:
    """An error as the specification's error array, with its HTTP status."""
    headers = None
    if isinstance(exc, TooManyRequests):
        status, text, headers = 429, exc.message, {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, InvalidInput):
        status, text = 400, f"{exc.field}: {exc.reason}"
    elif isinstance(exc, Forbidden | Unauthenticated):
        status, text = 403, exc.message
    elif isinstance(exc, NotFound):
        status, text = 404, exc.message
    elif isinstance(exc, HotlineError):
        status, text = (exc.status_code if 400 <= exc.status_code < 500 else 400), exc.message
    else:
        status, text = 400, "请求无效"
    return _response(fmt, status, formats.errors(fmt, status, text), headers)


def _answer(request: Request, fmt: str, db: Db, work: Callable[[], tuple[int, bytes]]) -> Response:
    """Run a resource; refusals become error arrays. The rate-limit hit and the key's use
    stay counted when the work itself is refused (only the work's savepoint rolls back)."""
    if fmt not in formats.FORMATS:
        return _response("json", 404, formats.errors("json", 404, f"不支持的格式 .{fmt[:10]}（可用 .json、.xml）"))
    try:
        status, body = work()
    except (HotlineError, DataError) as exc:
        return _refusal(fmt, exc)
    except IntegrityError:  # the same Idempotency-Key posted twice at the same instant
        return _refusal(fmt, Conflict("同一请求正在处理，请稍后用 tokens 查询"))
    except StatementError as exc:  # a HotlineError raised while binding a value
        if not isinstance(exc.orig, HotlineError):
            raise
        return _refusal(fmt, exc.orig)
    return _response(fmt, status, body)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _query(request: Request) -> dict[str, str | None]:
    return {k: request.query_params.get(k) for k in request.query_params}


def _caller(request: Request, db: Db, api_key: str | None, *, required: bool) -> service.Caller:
    return service.authenticate(db, api_key, client=_client(request), required=required)


async def _posted(request: Request) -> dict[str, list[str]] | None:
    """The posted fields, form-encoded (as the specification says) or JSON; None when the
    body cannot be read."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                return None
            out: dict[str, list[str]] = {}
            for key, value in body.items():
                if key == "attribute" and isinstance(value, dict):
                    for code, inner in value.items():
                        out[f"attribute[{code}]"] = [str(v) for v in (inner if isinstance(inner, list) else [inner])]
                elif value is not None:
                    out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
            return out
        if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
            # UTF-8, percent-encoded or raw (``curl -d 'description=路灯不亮'`` sends the bytes as they are)
            fields: dict[str, list[str]] = {}
            for key, value in parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True):
                fields.setdefault(key, []).append(value)
            return fields
        form = await request.form()  # multipart/form-data
        return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
    except Exception:  # any unreadable body is the client's 400, never a 500
        return None


async def _media(request: Request) -> tuple[str, bytes] | None:
    """A photo sent as the multipart file field ``media`` (the upload clients such as
    FixMyStreet's use beside the specification's ``media_url``); None without one."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    try:
        form = await request.form()  # already read by _posted: Starlette keeps it
    except Exception:  # an unreadable body is refused by _posted
        return None
    upload = form.get("media")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read()


# --- discovery and services ------------------------------------------------------------------


@router.get("/open311/discovery.{fmt}", summary="Open311 discovery")
def discovery(fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        _caller(request, db, request.query_params.get("api_key"), required=False)
        base = str(request.base_url).rstrip("/")
        body = {"changeset": CHANGESET, "contact": "12345 政务服务便民热线",
                "key_service": "接口密钥由热线中心管理员签发（管理页面“开放311接口”或 hotline open311 key create）",
                "endpoints": [{"specification": SPEC, "url": f"{base}/open311/v2", "changeset": CHANGESET,
                               "type": "production", "formats": ["text/xml", "application/json"]}]}
        return 200, formats.render(fmt, "discovery", None, body)
    return _answer(request, fmt, db, work)


@router.get("/open311/v2/services.{fmt}", summary="GeoReport v2: service list")
def services(fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        _caller(request, db, request.query_params.get("api_key"), required=False)
        service.jurisdiction_prefix(db, request.query_params.get("jurisdiction_id"))
        return 200, formats.render(fmt, "services", "service", service.services(db))
    return _answer(request, fmt, db, work)


@router.get("/open311/v2/services/{code}.{fmt}", summary="GeoReport v2: service definition")
def service_definition(code: str, fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        _caller(request, db, request.query_params.get("api_key"), required=False)
        service.jurisdiction_prefix(db, request.query_params.get("jurisdiction_id"))
        return 200, formats.render(fmt, "service_definition", None, service.service_definition(db, code))
    return _answer(request, fmt, db, work)


# --- requests --------------------------------------------------------------------------------


@router.post("/open311/v2/requests.{fmt}", summary="GeoReport v2: post a service request")
def post_request(fmt: str, request: Request, db: Db,
                 raw: dict[str, list[str]] | None = Depends(_posted),  # noqa: B008
                 media: tuple[str, bytes] | None = Depends(_media)) -> Response:
    def work() -> tuple[int, bytes]:
        if raw is None:
            raise InvalidInput("body", "请求体无法解析：请用 application/x-www-form-urlencoded 提交")
        posted = service.Posted.of(raw)
        caller = _caller(request, db, posted.get("api_key") or request.query_params.get("api_key"), required=True)
        if posted.get("jurisdiction_id") is None and request.query_params.get("jurisdiction_id"):
            posted.fields["jurisdiction_id"] = request.query_params["jurisdiction_id"]
        with db.begin_nested():  # a refused request writes nothing but its rate-limit hit
            done = service.submit(db, caller, posted, jurisdiction=posted.get("jurisdiction_id"),
                                  retry_key=request.headers.get("Idempotency-Key"), media=media)
        body = [{"service_request_id": done.number, "token": done.token, "service_notice": done.notice,
                 "account_id": None}]
        return 200, formats.render(fmt, "service_requests", "request", body)
    return _answer(request, fmt, db, work)


@router.get("/open311/v2/requests.{fmt}", summary="GeoReport v2: service requests")
def get_requests(fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        values = _query(request)
        _caller(request, db, values.get("api_key"), required=False)
        query = service.parse_query(values)
        found = service.read_requests(db, query, jurisdiction=values.get("jurisdiction_id"))
        return 200, formats.render(fmt, "service_requests", "request", found)
    return _answer(request, fmt, db, work)


@router.get("/open311/v2/requests/{number}.{fmt}", summary="GeoReport v2: one service request")
def get_request(number: str, fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        values = _query(request)
        _caller(request, db, values.get("api_key"), required=False)
        found = service.read_requests(db, service.Query(numbers=[number.strip()[:20]]),
                                      jurisdiction=values.get("jurisdiction_id"))
        if not found:
            raise NotFound(f"没有这个诉求：{number[:20]}")
        return 200, formats.render(fmt, "service_requests", "request", found)
    return _answer(request, fmt, db, work)


@router.get("/open311/v2/tokens/{token}.{fmt}", summary="GeoReport v2: the request id of a token")
def token(token: str, fmt: str, request: Request, db: Db) -> Response:
    def work() -> tuple[int, bytes]:
        values = _query(request)
        _caller(request, db, values.get("api_key"), required=False)
        service.jurisdiction_prefix(db, values.get("jurisdiction_id"))
        return 200, formats.render(fmt, "service_requests", "request", [service.token_lookup(db, token)])
    return _answer(request, fmt, db, work)


@router.api_route("/open311/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown(rest: str) -> Response:
    fmt = _fmt(rest.rsplit(".", 1)[-1] if "." in rest else "json")
    return _response(fmt, 404, formats.errors(fmt, 404, "没有这个资源"))


# --- the administrator's JSON API ------------------------------------------------------------


class KeyIn(BaseModel):
    name: str = Field(max_length=100)
    channel: str | None = Field(default=None, max_length=32)
    rate_per_minute: int = Field(default=60, ge=1, le=6000)


class KeyOut(BaseModel):
    id: int
    name: str
    hint: str
    channel: str
    channel_name: str
    rate_per_minute: int
    created_at: Any
    revoked_at: Any = None
    last_used_at: Any = None


class NewKeyOut(KeyOut):
    key: str = Field(description="the key itself, shown this once")


class ServiceIn(BaseModel):
    enabled: bool
    description: str | None = Field(default=None, max_length=500)
    keywords: str | None = Field(default=None, max_length=200)
    type: str = Field(default="realtime", max_length=16)
    attributes: list[dict[str, Any]] = Field(default_factory=list, max_length=50)


class ServiceOut(BaseModel):
    code: str
    name: str
    enabled: bool
    description: str | None
    keywords: str | None
    type: str
    attributes: list[dict[str, Any]]


def _key_out(row: service.KeyRow) -> KeyOut:
    return KeyOut(**row.__dict__)


@admin_router.get("/keys", response_model=list[KeyOut], responses={403: {"description": "Province admins only"}})
def list_keys(principal: CurrentPrincipal, db: Db) -> list[KeyOut]:
    """Open311 keys (hash only: the key's first characters identify it)."""
    return [_key_out(row) for row in service.list_keys(db, principal)]


@admin_router.post("/keys", response_model=NewKeyOut, status_code=201,
                   responses={403: {"description": "Province admins only"}, 422: {"description": "Invalid field"}})
def create_key(body: KeyIn, principal: CurrentPrincipal, db: Db) -> NewKeyOut:
    """A new key for a partner system; the key is in this answer only."""
    plaintext, key = service.issue_key(db, principal, name=body.name, channel=body.channel,
                                       rate_per_minute=body.rate_per_minute)
    row = next(r for r in service.list_keys(db, principal) if r.id == key.id)
    return NewKeyOut(**row.__dict__, key=plaintext)


@admin_router.post("/keys/{key_id}/revoke", response_model=KeyOut,
                   responses={403: {"description": "Province admins only"}, 404: {"description": "No such key"}})
def revoke_key(key_id: IdPath, principal: CurrentPrincipal, db: Db) -> KeyOut:
    service.revoke_key(db, principal, key_id)
    return _key_out(next(r for r in service.list_keys(db, principal) if r.id == key_id))


def _service_out(row: service.ServiceRow) -> ServiceOut:
    return ServiceOut(code=row.code, name=row.name, enabled=row.enabled, description=row.description,
                      keywords=row.keywords, type=row.type, attributes=row.attributes)


@admin_router.get("/services", response_model=list[ServiceOut],
                  responses={403: {"description": "Province admins only"}})
def list_services(principal: CurrentPrincipal, db: Db) -> list[ServiceOut]:
    """Every active category with its Open311 settings."""
    return [_service_out(r) for r in service.service_rows(db, principal)]


@admin_router.put("/services/{code}", response_model=ServiceOut,
                  responses={403: {"description": "Province admins only"}, 404: {"description": "No such category"},
                             422: {"description": "Invalid field"}})
def save_service(code: str, body: ServiceIn, principal: CurrentPrincipal, db: Db) -> ServiceOut:
    """Open or close a category to Open311, with its description and extra questions."""
    service.save_service(db, principal, code, enabled=body.enabled, description=body.description,
                         keywords=body.keywords, type=body.type, attributes=body.attributes)
    return _service_out(next(r for r in service.service_rows(db, principal) if r.code == code.strip()))
