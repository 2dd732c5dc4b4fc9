"""Private helpers shared by the parts of supervision: times as written in texts, the supervisor's
rights and region."""

from __future__ import annotations

import datetime as dt

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import Forbidden
from hotline.org.models import Unit


def _cst(at: dt.datetime) -> str:
    return at.astimezone(clock.CST).strftime("%m月%d日 %H:%M")


def _date(at: dt.datetime) -> str:
    local = at.astimezone(clock.CST)
    return f"{local.year}年{local.month}月{local.day}日"


def _require_supervisor(actor: Principal) -> None:
    """Supervision actions are the hotline centre's: its dispatchers and supervisors."""
    access.require(actor, Cap.dispatch)
    if actor.role not in access.CENTRE_ROLES:
        raise Forbidden("只有热线中心可以开展督办")


def may_supervise(actor: Principal) -> bool:
    """Whether the caller may record meetings and draft notices (the pages ask before they
    offer the forms; every service checks again)."""
    try:
        _require_supervisor(actor)
    except Forbidden:
        return False
    return True


def _in_region(actor: Principal, unit: Unit) -> bool:
    return unit.region.code.startswith(actor.region_prefix)
