"""SMS templates the administrator words (短信模板): each built-in template may be reworded, keeping
exactly its placeholders (a missing one would send a message without the order number; an unknown
one could not be filled) — checked on save, with a preview filled with sample values. Saved
wordings apply at once in the saving process and within a minute in the others (each keeps them
a minute); "restore" returns to the built-in text. Province administrators only; audited."""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit import cache, clock
from hotline.kit.db import SessionFactory
from hotline.kit.errors import InvalidInput, NotFound
from hotline.notify import service
from hotline.notify.models import SmsTemplate

MAX_CHARS = 300
cache.watch(SmsTemplate)  # a saved wording clears this process's copy at once
#: What a preview fills each placeholder with.
SAMPLES = {
    "number": "HL20261207000123", "code": "482913", "minutes": "10", "main": "HL20261207000100",
    "reply": "经现场核查，路灯已于今日修复。", "centre": "青川市12345热线中心", "sign_due": "12月8日 10:00",
    "due": "12月14日 18:00", "kind": "督办函", "unit": "青川市住房和城乡建设局", "letter": "青川督〔2026〕12号",
    "when": "12月10日", "subject": "老旧小区加装电梯", "topic": "供暖保障", "question": "新生儿如何办理医保",
    "reason": "答复依据不全", "doc": "青政办发〔2026〕8号", "notice": "第12期", "count": "3",
    "title": "幸福路路灯不亮", "summary": "东城区噪音投诉1小时内增至12件", "numbers": "HL20261207000123 等",
    "year": "2027", "time": "12月7日 09:30", "service": "家电维修", "merchant": "青川市诚信家电维修部",
    "phone": "0838-1234567", "day": "12月6日", "emergency": "2", "stability": "1",
}


@dataclass(frozen=True)
class Wording:
    code: str
    default: str
    text: str  # the wording in force
    custom: bool
    placeholders: list[str]


def load(factory: SessionFactory) -> dict[str, str]:
    """Every saved wording (the loader ``notify.service.use_wordings`` is given)."""
    with factory() as session:
        return {r.code: r.text for r in session.scalars(select(SmsTemplate)) if r.code in service.TEMPLATES}


def wordings(session: Session, actor: Principal) -> list[Wording]:
    access.require_province_admin(actor)
    saved = {r.code: r.text for r in session.scalars(select(SmsTemplate))}
    return [Wording(code, default, saved.get(code, default), code in saved, sorted(service.placeholders(default)))
            for code, default in service.TEMPLATES.items()]


def check(code: str, text: str | None) -> str:
    """The wording, checked: a known template, not empty, not too long, the same placeholders."""
    if code not in service.TEMPLATES:
        raise NotFound(f"短信模板 {code[:64]} 不存在")
    body = (text or "").strip()
    if not body:
        raise InvalidInput("text", "模板内容不能为空")
    if len(body) > MAX_CHARS:
        raise InvalidInput("text", f"模板内容最多 {MAX_CHARS} 个字")
    try:
        found = service.placeholders(body)
    except ValueError:
        raise InvalidInput("text", "大括号不成对（占位符写作 {number} 这样）") from None
    wanted = service.placeholders(service.TEMPLATES[code])
    if found - wanted:
        raise InvalidInput("text", "不认识的占位符：" + "、".join("{" + n + "}" for n in sorted(found - wanted)))
    if wanted - found:
        raise InvalidInput("text", "缺少占位符：" + "、".join("{" + n + "}" for n in sorted(wanted - found)))
    if any(spec or conv for _, name, spec, conv in string.Formatter().parse(body) if name):
        raise InvalidInput("text", "占位符只能写作 {名称}，不能带格式")
    return body


def preview(code: str, text: str | None) -> str:
    body = check(code, text)
    return service.cap(body.format(**{n: SAMPLES.get(n, "（示例）") for n in service.placeholders(body)}))


def save(session: Session, actor: Principal, code: str, text: str | None) -> SmsTemplate:
    access.require_province_admin(actor)
    body = check(code, text)
    row = session.get(SmsTemplate, code)
    if row is None:
        row = SmsTemplate(code=code, text=body, updated_by_id=actor.user_id, updated_at=clock.now())
        session.add(row)
    else:
        row.text, row.updated_by_id, row.updated_at = body, actor.user_id, clock.now()
    session.flush()
    audit.record(session, actor, "sms_template.saved", object_type="sms_template", object_id=code)
    return row


def reset(session: Session, actor: Principal, code: str) -> None:
    access.require_province_admin(actor)
    if code not in service.TEMPLATES:
        raise NotFound(f"短信模板 {code[:64]} 不存在")
    row = session.get(SmsTemplate, code)
    if row is not None:
        session.delete(row)
        audit.record(session, actor, "sms_template.reset", object_type="sms_template", object_id=code)

