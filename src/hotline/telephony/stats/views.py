"""Pages of call statistics: the live wallboard (``/cti/wallboard``, refreshed by htmx every
few seconds), the history page (``/cti/stats``: filters, ECharts chart, table) and its Excel
export. Roles with ``view_calls``, their region."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, excel
from hotline.kit.errors import InvalidInput
from hotline.telephony import repository as telephony_repository
from hotline.telephony.models import AGENT_STATE_NAMES, AgentState
from hotline.telephony.stats import service
from hotline.telephony.stats.rules import GROUPING_NAMES, Grouping
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

router = routing.router()
REFRESH_SECONDS = 5

#: The figures as the pages and the export name them, in order.
COLUMNS: list[tuple[str, str]] = [
    ("offered", "呼入量"), ("answered", "接通量"), ("abandoned", "放弃量"), ("abandoned_short", "5秒内放弃"),
    ("answer_rate", "接通率"), ("answered_within_15s", "15秒内接通"), ("service_level", "服务水平"),
    ("avg_wait_s", "平均等待(秒)"), ("avg_talk_s", "平均通话(秒)"), ("avg_wrap_up_s", "平均话后整理(秒)"),
    ("aht_s", "平均处理时长(秒)"), ("transfers", "转接"), ("three_way", "三方通话"), ("enterprise", "企业专线"),
    ("ordered", "产生工单"), ("repeat_calls", "重复来电"),
]
RATES = {"answer_rate", "service_level"}
STATE_NAMES = {s.value: name for s, name in AGENT_STATE_NAMES.items()}


def _instant(value: str | None, name: str, default: dt.datetime) -> dt.datetime:
    """An instant from a filter: ISO-8601 with offset, or a China-time date or date-time
    (``2026-12-01``, ``2026-12-01T08:30``) as the form's inputs send them."""
    if not value:
        return default
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(name, "时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from None
    return (at if at.tzinfo else at.replace(tzinfo=clock.CST)).astimezone(dt.UTC)


def _filters(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    q = request.query_params
    today = clock.now().astimezone(clock.CST).replace(hour=0, minute=0, second=0, microsecond=0)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"queue": (q.get("queue") or "").strip()[:100] or None}
    for name, default in (("from", today), ("to", today + dt.timedelta(days=1))):
        try:
            values[name] = _instant(q.get(name), name, default)
        except InvalidInput as exc:
            errors[name] = exc.reason
            values[name] = default.astimezone(dt.UTC)
    try:
        values["group"] = service.parse_grouping(q.get("group") or "day")
    except InvalidInput as exc:
        errors["group"], values["group"] = exc.reason, Grouping.day
    try:
        service.check_range(values["from"], values["to"])
    except InvalidInput as exc:
        errors[exc.field] = exc.reason
        values["from"], values["to"] = today.astimezone(dt.UTC), (today + dt.timedelta(days=1)).astimezone(dt.UTC)
    return values, errors


def _chart(report: service.Report, labels: dict[str, str]) -> str:
    by_queue = report.grouping is Grouping.queue
    names = [(labels.get(g.key, g.key) if by_queue and g.key else g.key) or "—" for g in report.groups]
    return json.dumps({"names": names,
                       "offered": [g.figures["offered"] for g in report.groups],
                       "answered": [g.figures["answered"] for g in report.groups],
                       "abandoned": [g.figures["abandoned"] for g in report.groups],
                       "answer_rate": [round((g.figures["answer_rate"] or 0) * 100, 1) for g in report.groups]},
                      ensure_ascii=False).replace("</", "<\\/")


def _queue_labels(db: Db, principal: Principal) -> dict[str, str]:
    """The Chinese labels of the queues of the caller's region by the PBX's names (the name
    itself when it has no label): the pages show 综合话务, not ``general``; filters and the
    API keep the names. Two centres' queues of one name show the first one's label."""
    labels: dict[str, str] = {}
    for queue, _region in telephony_repository.queues_of_regions(db, principal.region_prefix):
        labels.setdefault(queue.name, queue.label or queue.name)
    return labels


def _local_input(at: dt.datetime) -> str:
    return at.astimezone(clock.CST).strftime("%Y-%m-%dT%H:%M")


@router.get("/cti/stats", response_class=HTMLResponse)
def stats_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_calls)
    f, errors = _filters(request)
    report = service.report(db, principal, start=f["from"], end=f["to"], queue=f["queue"], grouping=f["group"])
    params = {"from": _local_input(f["from"]), "to": _local_input(f["to"]), "queue": f["queue"] or "",
              "group": f["group"].value}
    labels = _queue_labels(db, principal)
    return render(request, "cti_stats/stats.html", principal, title="话务统计", report=report, errors=errors,
                  params=params, columns=COLUMNS, rates=RATES, groupings=GROUPING_NAMES,
                  queues=sorted(labels), queue_labels=labels,
                  chart=_chart(report, labels),
                  export="/cti/stats/export.xlsx?" + urlencode(params),
                  status_code=422 if errors else 200)


def _export_rows(report: service.Report, labels: dict[str, str]) -> list[list[Any]]:
    def line(kind: str, key: str | None, fig: dict[str, Any]) -> list[Any]:
        return [kind, key or "—", *(fig[name] for name, _ in COLUMNS)]
    rows = [line("合计", "全部", report.total)]
    rows += [line("队列", labels.get(name, name) if name else "（未进入队列）", fig)
             for name, fig in report.by_queue.items()]
    if report.grouping is not None and report.grouping is not Grouping.queue:
        rows += [line(GROUPING_NAMES[report.grouping], g.key, g.figures) for g in report.groups]
    return rows


@router.get("/cti/stats/export.xlsx")
def stats_export(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The page's figures as an Excel sheet: the total, each queue, then each group."""
    access.require(principal, Cap.view_calls)
    f, errors = _filters(request)
    if errors:
        field, reason = next(iter(errors.items()))
        raise InvalidInput(field, reason)
    report = service.report(db, principal, start=f["from"], end=f["to"], queue=f["queue"], grouping=f["group"])
    data = excel.write("话务统计", ["类别", "名称", *(label for _, label in COLUMNS)],
                       _export_rows(report, _queue_labels(db, principal)))
    span = f"{f['from'].astimezone(clock.CST):%Y%m%d%H%M}-{f['to'].astimezone(clock.CST):%Y%m%d%H%M}"
    name = quote(f"话务统计-{span}.xlsx")
    return Response(content=data, media_type=excel.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _wallboard_context(db: Db, principal: CurrentPrincipal) -> dict[str, Any]:
    board = service.wallboard(db, principal)
    return {"board": board, "state_names": STATE_NAMES, "states": [s.value for s in AgentState],
            "refresh": REFRESH_SECONDS, "queue_labels": _queue_labels(db, principal)}


@router.get("/cti/wallboard", response_class=HTMLResponse)
def wallboard_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_calls)
    return render(request, "cti_stats/wallboard.html", principal, title="话务监控",
                  **_wallboard_context(db, principal))


@router.get("/cti/wallboard/panel", response_class=HTMLResponse)
def wallboard_panel(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The wallboard's live part, fetched again by htmx every few seconds."""
    access.require(principal, Cap.view_calls)
    return render(request, "cti_stats/_wallboard_panel.html", principal, **_wallboard_context(db, principal))
