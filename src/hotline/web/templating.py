"""Jinja2 templates: each domain keeps its own in ``<domain>/templates`` and names them
``<domain>/<page>.html``; the shared layout is ``web/base.html``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape
from starlette.responses import HTMLResponse

from hotline.auth import access
from hotline.auth.models import ROLE_NAMES, Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit.clock import CST
from hotline.org.models import (
    CHANNEL_KIND_NAMES,
    LEVEL_NAMES,
    UNIT_KIND_NAMES,
    UTILITY_TYPE_NAMES,
)

PACKAGE = Path(__file__).resolve().parent.parent
DOMAINS = ["web", "org", "auth", "audit", "citizen", "workorder", "supervision", "knowledge", "intelligence",
           "channels", "telephony", "analytics", "spotcheck", "workbench",
           "inbox", "notify", "attachments"]


def _cst(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CST).strftime(fmt) if value else ""


def _link_host(value: str) -> str:
    """The host a link leads to, to show beside an outside link."""
    return urlsplit(value).hostname or ""


#: Template folders of sub-packages: prefix → folder.
SUB_TEMPLATES = {"quality": PACKAGE / "telephony" / "quality" / "templates",
                 "cti_stats": PACKAGE / "telephony" / "stats" / "templates",
                 "webhooks": PACKAGE / "integration" / "webhooks" / "templates",
                 "merchants": PACKAGE / "integration" / "merchants" / "templates",
                 "linkage": PACKAGE / "integration" / "linkage" / "templates",
                 "federation": PACKAGE / "integration" / "federation" / "templates",
                 "disclosure": PACKAGE / "analytics" / "disclosure" / "templates",
                 "reports": PACKAGE / "analytics" / "reports" / "templates"}

env = Environment(
    loader=PrefixLoader({**{d: FileSystemLoader(str(PACKAGE / d / "templates")) for d in DOMAINS},
                         **{p: FileSystemLoader(str(path)) for p, path in SUB_TEMPLATES.items()}}),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["cst"] = _cst
env.filters["link_host"] = _link_host
env.globals.update(
    role_name=lambda r: ROLE_NAMES[Role(r)],
    ROLE_NAMES=ROLE_NAMES,
    UNIT_KIND_NAMES=UNIT_KIND_NAMES,
    LEVEL_NAMES=LEVEL_NAMES,
    UTILITY_TYPE_NAMES=UTILITY_TYPE_NAMES,
    CHANNEL_KIND_NAMES=CHANNEL_KIND_NAMES,
)
templates = Jinja2Templates(env=env)


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    """The navigation a role sees: only pages it may open."""
    if principal is None:
        return []
    items = [("/", "工作台")]
    if principal.can(Cap.intake) and not principal.is_service:
        items.append(("/console", "受理台"))
    if principal.can(Cap.view_orders) and not principal.is_service:
        items += [("/orders", "工单"), ("/orders/search", "工单查询")]
    if principal.can(Cap.callback):
        items.append(("/callbacks", "回访"))
    if principal.can(Cap.view_calls) and not principal.is_service:
        items.append(("/cti/calls", "来电记录"))
    if principal.can(Cap.view_orders) and not principal.is_service:
        items.append(("/ledgers", "督办台账"))
    if principal.can(Cap.view_orders) and not principal.is_service:  # as analytics.workbench.may_use
        items.append(("/statistics", "统计分析"))
    centre_staff = principal.role in access.CENTRE_ROLES and principal.can(Cap.view_orders)
    if centre_staff or principal.can(Cap.handle):  # as supervision.service.meetings and notices allow
        items.append(("/meetings", "督办会议"))
    if centre_staff:
        items.append(("/notices", "通报"))
    if (centre_staff and not principal.is_service) or access.is_province_admin(principal):  # as boards.service
        items.append(("/boards", "网络留言板"))
    if principal.can(Cap.dispatch):  # as intelligence.service.monthly_hotspots and warnings
        items += [("/hotspots", "热点问题"), ("/warnings", "预警")]
    if principal.can(Cap.view_reports) or principal.can(Cap.issue_reports):  # as analytics.reports.service.may_read
        items.append(("/reports", "分析报告"))
    if principal.can(Cap.view_orders) and not principal.is_service and (
            centre_staff or principal.role.value == "sector_viewer"):  # as reports.service.may_read_daily_ledger
        items.append(("/daily-ledger", "每日台账"))
    if principal.can(Cap.view_org) and not principal.is_service:
        items.append(("/knowledge", "知识库"))
    if not principal.is_service:
        items.append(("/rankings", "好差评榜单"))
    if principal.can(Cap.inspect_quality) or principal.can(Cap.manage_telephony):  # as telephony.quality.views
        items.append(("/cti/quality", "质检"))
    elif principal.role.value == "agent":
        items.append(("/cti/quality", "我的质检"))
    if principal.can(Cap.handle) and not principal.is_service:  # as telephony.console_views.expert_page
        items.append(("/cti/expert", "专家坐席"))
    if principal.can(Cap.view_calls) and not principal.is_service:  # as telephony.stats.service
        items += [("/cti/wallboard", "话务监控"), ("/cti/stats", "话务统计")]
    if principal.can(Cap.view_citizens):
        items.append(("/citizens", "诉求人档案"))
    if principal.role.value == "centre_supervisor":  # as citizen.flags.require_reviewer
        items.append(("/caller-flags", "来电标记审核"))
    if principal.can(Cap.view_org):
        items.append(("/org/units", "单位名录"))
    if principal.can(Cap.manage_org):
        items += [("/admin/regions", "行政区划"), ("/admin/units", "单位管理")]
    if access.is_province_admin(principal):  # reference data is the province's
        items += [("/admin/categories", "诉求分类"), ("/admin/channels", "渠道与类型"),
                  ("/admin/direct-dispatch", "直派目录"), ("/admin/deadlines", "办理时限"),
                  ("/admin/green-channel", "绿色通道"),
                  ("/admin/calendar", "工作日历"), ("/admin/escalation-rules", "提级督办规则"),
                  ("/admin/letter-templates", "督办文书模板"), ("/admin/sms-templates", "短信模板"),
                  ("/admin/open311", "开放311接口")]
    if principal.can(Cap.manage_org):
        items += [("/admin/supervision-authorities", "督办联动单位"), ("/admin/messages", "短信发送记录")]
    if principal.can(Cap.manage_org):  # as intelligence.service._term_keeper
        items.append(("/admin/hotspot-terms", "热点词库"))
    if principal.can(Cap.manage_telephony):  # as telephony.admin
        items.append(("/cti/admin", "坐席与队列"))
    if principal.can(Cap.manage_integrations):  # as integration.webhooks.service
        items.append(("/admin/webhooks", "推送订阅"))
    if principal.can(Cap.spot_check) or principal.can(Cap.handle):  # as spotcheck.service (checkers; units answer)
        items += [("/spot-checks", "工单抽查"), ("/rectification-lists", "整改清单")]
    if principal.can(Cap.manage_merchants) or principal.role in access.CENTRE_ROLES:  # as merchants.service.may_read
        items.append(("/merchants", "服务企业"))
    if principal.can(Cap.manage_disclosure):  # as analytics.disclosure.service.require_editor
        items.append(("/disclosure", "数据公开"))
    linkage_staff = principal.role in access.CENTRE_ROLES and principal.can(Cap.view_orders)
    if (linkage_staff or principal.can(Cap.manage_org)) and not principal.is_service:  # as integration.linkage
        items.append(("/linkage", "联动线路"))
    if linkage_staff and not principal.is_service:
        items.append(("/linkage/stats", "联动统计"))
    if access.is_province_admin(principal):  # as integration.federation.service
        items.append(("/admin/federation", "跨市互派"))
    if principal.can(Cap.manage_models) and principal.is_province_wide:  # as intelligence.service.require_manager
        items.append(("/admin/models", "智能派单模型"))
    if principal.can(Cap.manage_users) or principal.can(Cap.manage_unit_users):
        items.append(("/admin/users", "账号管理"))
    if principal.can(Cap.view_audit):
        items.append(("/audit", "审计日志"))
    return items


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    context.update(principal=principal, nav=nav_for(principal), path=request.url.path, Cap=Cap)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
