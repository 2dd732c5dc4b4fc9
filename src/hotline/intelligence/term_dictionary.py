"""The hotspot term dictionary (热点词库): the place names, estates, companies and platforms that
the monthly hotspots keep whole, with their synonyms — a table administrators keep, not code.

Administrators (manage_org) keep the terms of their region; the centre's dispatchers and
supervisors, who read the hotspots, read them. A term applies to the hotspots of its region,
of the regions above it and of those within it. Every write is audited; the engine reads the
active terms at each computation, so a change applies to the next one, in every process."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.intelligence import repository, terms
from hotline.intelligence.models import (
    HotspotTerm,
)
from hotline.kit import cache, clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.org import repository as org_repository

cache.watch(HotspotTerm)
_TERMS = cache.reference_cache(ttl_seconds=300, max_entries=1)
#: Synonyms per term at most, and characters per term or synonym.
MAX_SYNONYMS = 30
TERM_CHARS = 50
_TERM_TEXT = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff·（）()\-]{2,50}$")


def _related(a: str, b: str) -> bool:
    """One region is, or contains, the other."""
    return in_region(a, b) or in_region(b, a)


def dictionary_for(session: Session, region_code: str, *, fresh: bool = False) -> terms.Lexicon:
    """The active terms that apply to a region's hotspots, as the engine's lexicon (``fresh``:
    read now, not from this process's cache)."""
    rows = repository.active_terms(session) if fresh else _TERMS.get_or_load(
        "all", lambda: repository.active_terms(session))
    return terms.lexicon(terms.Term(term, kind, synonyms) for code, term, kind, synonyms in rows
                         if _related(code, region_code))


def _term_reader(actor: Principal) -> None:
    if not (actor.can(Cap.manage_org) or actor.can(Cap.dispatch)):
        raise Forbidden("您的角色无权查看热点词库")


def _term_keeper(actor: Principal) -> None:
    if not actor.can(Cap.manage_org):
        raise Forbidden("只有管理员可以维护热点词库")


def _visible(actor: Principal, code: str) -> bool:
    return _related(actor.region_code, code)


def list_terms(session: Session, actor: Principal, *, text: str | None = None, kind: str | None = None,
               active: bool | None = None, limit: int = 50, offset: int = 0,
               ) -> tuple[list[tuple[HotspotTerm, str]], int]:
    """The terms of the actor's region, of the regions within it and of those above it (read
    only), with each one's region code."""
    _term_reader(actor)
    code = actor.region_code
    above = [f"={c}" for c in _ancestors(code)]
    return repository.terms(session, prefixes=[actor.region_prefix, *above], text=text, kind=kind, active=active,
                            limit=limit, offset=offset)


def _ancestors(code: str) -> list[str]:
    """The codes of the regions above a region (province, city, county), by the code's form."""
    out = []
    if len(code) == 9:
        out.append(code[:6])
    six = code[:6]
    if six[4:] != "00":
        out.append(six[:4] + "00")
    if six[2:] != "0000":
        out.append(six[:2] + "0000")
    return [c for c in out if c != code]


def get_term(session: Session, actor: Principal, ref: str) -> tuple[HotspotTerm, str]:
    _term_reader(actor)
    found = repository.term_by_ref(session, ref)
    if found is None or not _visible(actor, found[1]):
        raise NotFound("词条不存在")
    return found


def _editable(session: Session, actor: Principal, ref: str) -> tuple[HotspotTerm, str]:
    _term_keeper(actor)
    row, code = get_term(session, actor, ref)
    if not in_region(actor.region_code, code):
        raise Forbidden("上级区划的词条只读，请联系其管理员修改")
    return row, code


def _clean_term(value: str | None, field: str) -> str:
    text = (validate.text(value, field, max_length=TERM_CHARS) or "").replace(" ", "")
    if not _TERM_TEXT.match(text):
        raise InvalidInput(field, "词条为 2 至 50 个汉字、字母或数字")
    return text


def _clean_kind(value: str | None) -> str:
    kind = terms.kind_of(value)
    if kind is None:
        raise InvalidInput("kind", "类型应为：" + "、".join(terms.KIND_NAMES.values()))
    return kind


def _clean_synonyms(value: Sequence[str] | str | None, term: str) -> list[str]:
    items = terms.split_synonyms(value)
    if len(items) > MAX_SYNONYMS:
        raise InvalidInput("synonyms", f"同义词最多 {MAX_SYNONYMS} 个")
    out = []
    for item in items:
        cleaned = _clean_term(item, "synonyms")
        if cleaned != term and cleaned not in out:
            out.append(cleaned)
    return out


def _check_clash(session: Session, region_id: int, term: str, synonyms: list[str], own_id: int | None) -> None:
    """A form names one term in a region: no synonym may be another term, or another term's synonym."""
    for other in repository.terms_of_region(session, region_id):
        if other.id == own_id:
            continue
        if other.term == term:
            raise Conflict(f"本区划已有词条“{term}”")
        names = {other.term, *(other.synonyms or [])}
        for form in (term, *synonyms):
            if form in names:
                raise InvalidInput("synonyms" if form != term else "term",
                                   f"“{form}”已是词条“{other.term}”或其同义词")


def _term_detail(row: HotspotTerm, code: str) -> dict[str, Any]:
    return {"term": row.term, "kind": row.kind, "synonyms": list(row.synonyms or []), "active": row.active,
            "region_code": code}


def create_term(session: Session, actor: Principal, *, term: str, kind: str | None = None,
                synonyms: Sequence[str] | str | None = None, active: bool = True,
                region_code: str | None = None) -> tuple[HotspotTerm, str]:
    """Add a term to the dictionary of the actor's region (or of a region within it)."""
    _term_keeper(actor)
    code = validate.region_code(region_code, "region_code") if region_code else actor.region_code
    if not in_region(actor.region_code, code):
        raise InvalidInput("region_code", "只能在本级及下级区划登记词条")
    region = org_repository.region_by_code(session, code)
    if region is None:
        raise InvalidInput("region_code", "区划不存在")
    text = _clean_term(term, "term")
    clean_kind, clean_synonyms = _clean_kind(kind), _clean_synonyms(synonyms, text)
    _check_clash(session, region.id, text, clean_synonyms, None)
    now = clock.now()
    row = HotspotTerm(term=text, kind=clean_kind, synonyms=clean_synonyms, active=bool(active), region_id=region.id,
                      created_by_id=actor.user_id, created_at=now, updated_at=now, version=1)
    session.add(row)
    session.flush()
    audit.record(session, actor, "hotspot_term.created", object_type="hotspot_term", object_id=row.id,
                 detail=_term_detail(row, code))
    return row, code


def update_term(session: Session, actor: Principal, ref: str, *, term: str | None = None, kind: str | None = None,
                synonyms: Sequence[str] | str | None = None, version: int | None = None) -> tuple[HotspotTerm, str]:
    """Change a term's text, kind or synonyms (``version``: the one the editor read; 409 when
    someone changed it since)."""
    row, code = _editable(session, actor, ref)
    if version is not None and version != row.version:
        raise Conflict("词条已被他人修改，请刷新后重试")
    before = _term_detail(row, code)
    text = _clean_term(term, "term") if term is not None else row.term
    clean_kind = _clean_kind(kind) if kind is not None else row.kind
    clean_synonyms = _clean_synonyms(synonyms, text) if synonyms is not None else \
        [s for s in (row.synonyms or []) if s != text]
    _check_clash(session, row.region_id, text, clean_synonyms, row.id)
    row.term, row.kind, row.synonyms = text, clean_kind, clean_synonyms
    row.updated_at, row.version = clock.now(), row.version + 1
    session.flush()
    after = _term_detail(row, code)
    audit.record(session, actor, "hotspot_term.updated", object_type="hotspot_term", object_id=row.id,
                 detail={"before": {k: v for k, v in before.items() if after[k] != v},
                         "after": {k: v for k, v in after.items() if before[k] != v}, "term": row.term})
    return row, code


def set_term_active(session: Session, actor: Principal, ref: str, active: bool) -> tuple[HotspotTerm, str]:
    """Deactivate a term (kept, no longer used) or activate it again; 409 when it already is."""
    row, code = _editable(session, actor, ref)
    if row.active == active:
        raise Conflict("词条已是启用状态" if active else "词条已停用")
    if active:
        _check_clash(session, row.region_id, row.term, list(row.synonyms or []), row.id)
    row.active, row.updated_at, row.version = active, clock.now(), row.version + 1
    session.flush()
    audit.record(session, actor, "hotspot_term.activated" if active else "hotspot_term.deactivated",
                 object_type="hotspot_term", object_id=row.id, detail={"term": row.term, "region_code": code})
    return row, code


#: Lines of a dictionary file at most.
MAX_IMPORT_ROWS = 5000


def read_xlsx(data: bytes) -> list[list[object]]:
    """The rows of an .xlsx file's first sheet, as cells (422 when it is not one)."""
    import io
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput("file", "不是有效的 Excel（.xlsx）文件") from None
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def _table(data: bytes, filename: str | None) -> list[list[object]]:
    if not data:
        raise InvalidInput("file", "文件为空")
    if len(data) > 5 * 1024 * 1024:
        raise InvalidInput("file", "文件超过 5 MB")
    if data[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        return read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("file", "文件应为 .xlsx，或 UTF-8 / GB18030 编码的 .tsv") from None
    return [list[object](line.split("\t")) for line in text.splitlines()]


def import_terms(session: Session, actor: Principal, data: bytes, filename: str | None = None) -> tuple[int, int]:
    """Import a dictionary file (.xlsx or .tsv: 词条/term, 类型/kind, 同义词/synonyms, 启用/active)
    into the actor's region: a term already there is updated, a new one created. All or
    nothing: the first bad line is a 422 naming it. Returns (created, updated)."""
    _term_keeper(actor)
    region = org_repository.region_by_code(session, actor.region_code)
    if region is None:
        raise NotFound("区划不存在")
    rows = terms.rows(_table(data, filename))
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput("file", f"一次最多导入 {MAX_IMPORT_ROWS} 行")
    if not rows:
        raise InvalidInput("file", "文件中没有词条")
    existing = {t.term: t for t in repository.terms_of_region(session, region.id)}
    created = updated = 0
    for row in rows:
        try:
            text = _clean_term(row.term, "term")
            if row.kind is None:
                raise InvalidInput("kind", "类型应为：" + "、".join(terms.KIND_NAMES.values()))
            synonyms = _clean_synonyms(row.synonyms, text)
            current = existing.get(text)
            if current is None:
                made, _ = create_term(session, actor, term=text, kind=row.kind, synonyms=synonyms, active=row.active)
                existing[text] = made
                created += 1
            else:
                update_term(session, actor, current.ref, kind=row.kind, synonyms=synonyms)
                if current.active != row.active:
                    set_term_active(session, actor, current.ref, row.active)
                updated += 1
        except (InvalidInput, Conflict) as exc:
            field = exc.field if isinstance(exc, InvalidInput) else "term"
            reason = exc.reason if isinstance(exc, InvalidInput) else exc.message
            raise InvalidInput("file", f"第 {row.line} 行（{field}）：{reason}") from None
    audit.record(session, actor, "hotspot_term.imported", object_type="hotspot_term",
                 detail={"created": created, "updated": updated, "region_code": region.code})
    return created, updated


def try_terms(session: Session, actor: Principal, text: str) -> list[tuple[str, bool]]:
    """How the engine cuts a text with the dictionary of the actor's region (the page's 试分词):
    the dictionary's terms and those the text itself names kept whole."""
    _term_reader(actor)
    sample = validate.text(text, "text", max_length=2000, multiline=True) or ""
    lexicon = terms.discover([sample], dictionary_for(session, actor.region_code))
    return [(w, t) for w, t in terms.tokens(sample, lexicon) if w.strip()]
