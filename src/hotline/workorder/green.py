"""The green channel for enterprises' appeals (涉企诉求绿色通道, S2), maintained by the province
administrator next to the deadline rules: per appeal type (or for any type) how much shorter the
deadline of an order marked as an enterprise's appeal is — a percentage of the normal time, a
fixed maximum of working days, or both (the shorter wins). The rule itself is pure
(:func:`hotline.workorder.sla.green_channel`); the dispatch applies it
(``workorder.service._common._set_deadlines``). An empty table means no shorter deadlines;
enterprises' appeals are still listed first in the dispatchers' queue and the units' inboxes.

Services take the session first, never commit, and record an audit event for every write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.kit.errors import InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org.models import AppealType
from hotline.workorder import catalogue, repository, sla
from hotline.workorder.models import GreenChannelRow

PERCENT_MIN, PERCENT_MAX = 10, 100


def rule_of(row: GreenChannelRow) -> sla.GreenChannelRule:
    return sla.GreenChannelRule(appeal_type=row.appeal_type, working_days=row.working_days, percent=row.percent)


def list_rules(session: Session) -> list[GreenChannelRow]:
    return repository.green_rules(session)


def get_rule(session: Session, rule_id: int) -> GreenChannelRow:
    row = session.get(GreenChannelRow, rule_id)
    if row is None:
        raise NotFound("绿色通道规则不存在")
    return row


def _detail(row: GreenChannelRow) -> dict[str, Any]:
    return {"appeal_type": row.appeal_type, "working_days": row.working_days, "percent": row.percent}


def _fields(session: Session, *, appeal_type: str | None, working_days: int | None,
            percent: int | None) -> sla.GreenChannelRule:
    type_code = (appeal_type or "").strip() or None
    if type_code is not None and session.get(AppealType, type_code) is None:
        raise InvalidInput("appeal_type", "诉求类型不存在")
    if working_days is None and percent is None:
        raise InvalidInput("percent", "请填写时限比例或最多工作日数（至少一项）")
    if percent is not None and (isinstance(percent, bool) or not PERCENT_MIN <= percent <= PERCENT_MAX):
        raise InvalidInput("percent", f"时限比例应为 {PERCENT_MIN}–{PERCENT_MAX} 的整数（百分比）")
    if working_days is not None and (isinstance(working_days, bool)
                                     or not 1 <= working_days <= catalogue.WORKING_DAYS_MAX):
        raise InvalidInput("working_days", f"最多工作日数应为 1–{catalogue.WORKING_DAYS_MAX} 的整数")
    return sla.GreenChannelRule(appeal_type=type_code, working_days=working_days, percent=percent)


def save_rule(session: Session, actor: Principal, *, appeal_type: str | None, working_days: int | None,
              percent: int | None, row: GreenChannelRow | None = None) -> GreenChannelRow:
    """Add a rule (``row`` None) or change one. One rule per appeal type (and one for any
    type): a second for the same type is refused naming ``appeal_type``."""
    catalogue.require_writer(actor)
    rule = _fields(session, appeal_type=appeal_type, working_days=working_days, percent=percent)
    for other in repository.green_rules(session):
        if other.appeal_type == rule.appeal_type and (row is None or other.id != row.id):
            raise InvalidInput("appeal_type", "该诉求类型已有绿色通道规则，请修改那条规则")
    created = row is None
    if row is None:
        row = GreenChannelRow()
        session.add(row)
    row.appeal_type, row.working_days, row.percent = rule.appeal_type, rule.working_days, rule.percent
    session.flush()
    audit.record(session, actor, "green_channel_rule.created" if created else "green_channel_rule.updated",
                 object_type="green_channel_rule", object_id=row.id, detail=_detail(row))
    return row


def delete_rule(session: Session, actor: Principal, row: GreenChannelRow) -> None:
    catalogue.require_writer(actor)
    detail = _detail(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "green_channel_rule.deleted", object_type="green_channel_rule",
                 object_id=row.id, detail=detail)


def load_suggested(session: Session, actor: Principal) -> list[GreenChannelRow]:
    """Copy :data:`sla.SUGGESTED_GREEN_RULES` into the empty table, as a starting point."""
    catalogue.require_writer(actor)
    if repository.green_rules(session):
        raise InvalidInput("rules", "绿色通道规则表已有规则：只能在为空时载入建议规则")
    rows = [GreenChannelRow(appeal_type=r.appeal_type, working_days=r.working_days, percent=r.percent)
            for r in sla.SUGGESTED_GREEN_RULES]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "green_channel_rule.suggested_loaded", object_type="green_channel_rule",
                 detail={"count": len(rows), "ids": [r.id for r in rows]})
    return rows


@dataclass(frozen=True)
class Effect:
    """What the green channel makes of one appeal type's normal deadline (no category, normal urgency)."""

    appeal_type: str
    name: str
    normal: str
    green: str
    shorter: bool


def effects(session: Session) -> list[Effect]:
    """Per appeal type: the normal deadline and the enterprise's (a table on the admin page)."""
    rules, _ = catalogue.effective_rules(session)
    greens = [rule_of(r) for r in repository.green_rules(session)]
    out = []
    for t in org_repository.list_appeal_types(session):
        try:
            normal = sla.pick_rule(rules, t.code, None)
        except LookupError:
            continue
        green = sla.green_channel(normal, sla.pick_green_rule(greens, t.code))
        out.append(Effect(t.code, t.name, normal.label, green.label, green != normal))
    return out
