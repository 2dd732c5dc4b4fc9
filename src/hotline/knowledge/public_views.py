"""Public pages of the knowledge base: self-service lookup of published policy answers
(政策问答), one item with "was this helpful?", and the text assistant (智能文本客服) that answers
from published items, cites the one it used, and — when it cannot answer — offers to file an
appeal with what the person typed (自助下单). No outside model or service.

No login: the assistant's and the votes' forms carry the same double-submit token as the
public appeal form (``workorder.public_views``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.kit.errors import InvalidInput, NotFound
from hotline.knowledge import service
from hotline.knowledge.models import POLICY_CLASS_NAMES, KnowledgeItem, PolicyClass
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel
from hotline.web import routing
from hotline.web.deps import Db
from hotline.web.forms import Form, text
from hotline.workorder.public_views import EXPIRED, _page, _token_ok

router = routing.router()
RESULTS = 10


def _regions(db: Db) -> list[tuple[str, str]]:
    indent = {RegionLevel.province: 0, RegionLevel.city: 0, RegionLevel.county: 1, RegionLevel.township: 2}
    return [(r.code, "　" * indent[r.level] + r.name) for r in org_repository.all_regions(db)
            if r.active and r.level != RegionLevel.province]


def _class(value: str | None) -> PolicyClass | None:
    return PolicyClass(value) if value and value in PolicyClass.__members__ else None


@router.get("/public/knowledge", response_class=HTMLResponse)
def knowledge_search(request: Request, db: Db) -> Response:
    q = request.query_params
    values = {"q": (q.get("q") or "").strip()[:200], "region_code": (q.get("region_code") or "").strip()[:9],
              "policy_class": q.get("policy_class") or ""}
    hits: list[service.Hit] = []
    error = None
    if values["q"]:
        try:
            f = service.search_filter(db, region_code=values["region_code"] or None,
                                      policy_class=_class(values["policy_class"]))
            hits = service.search_items(db, values["q"], f, limit=RESULTS)
        except InvalidInput as exc:
            error = exc.reason
    return _page(request, "knowledge/public_search.html", status=422 if error else 200, title="政策问答",
                 values=values, hits=hits, error=error, classes=list(POLICY_CLASS_NAMES.items()),
                 regions=_regions(db))


def _public_item(db: Db, item_id: int) -> tuple[KnowledgeItem, Any]:
    try:
        version = service.answering_version(db, item_id)
    except InvalidInput:
        raise NotFound("该知识点不存在或已失效") from None
    item = db.get(KnowledgeItem, item_id)
    assert item is not None
    return item, version


@router.get("/public/knowledge/{item_id}", response_class=HTMLResponse)
def knowledge_item(request: Request, item_id: str, db: Db) -> Response:
    if not item_id.isdigit() or len(item_id) > 9:
        raise NotFound("该知识点不存在或已失效")
    item, version = _public_item(db, int(item_id))
    service.record_view(db, item)
    voted = request.query_params.get("voted")
    return _page(request, "knowledge/public_item.html", title=version.question[:30], item=item, version=version,
                 class_name=POLICY_CLASS_NAMES[version.policy_class] if version.policy_class else None,
                 voted=voted in ("1", "0"))


@router.post("/public/knowledge/{item_id}/vote", response_class=HTMLResponse)
def knowledge_vote(request: Request, item_id: str, db: Db, form: Form) -> Response:
    """One vote per press: helpful (1) or not (0). From the assistant (htmx) the answer is a
    thank-you fragment; otherwise back to the item."""
    if not item_id.isdigit() or len(item_id) > 9:
        raise NotFound("该知识点不存在或已失效")
    if not _token_ok(request, form):
        return _page(request, "knowledge/_vote_done.html", status=403, message=EXPIRED)
    helpful = text(form, "helpful") == "1"
    try:
        service.vote(db, int(item_id), helpful=helpful)
    except InvalidInput:
        raise NotFound("该知识点不存在或已失效") from None
    if request.headers.get("HX-Request"):
        return _page(request, "knowledge/_vote_done.html", message="感谢您的反馈！")
    return RedirectResponse(f"/public/knowledge/{item_id}?voted={int(helpful)}", status_code=303)


# --- the assistant -----------------------------------------------------------------------------


@router.get("/public/assistant", response_class=HTMLResponse)
def assistant_page(request: Request, db: Db) -> Response:
    return _page(request, "knowledge/public_assistant.html", title="智能客服", exchanges=[], regions=_regions(db),
                 values={})


@router.post("/public/assistant", response_class=HTMLResponse)
def assistant_ask(request: Request, db: Db, form: Form) -> Response:
    """One exchange. With htmx only the two new bubbles come back (appended to the chat);
    without JavaScript the whole page, showing this exchange."""
    values = {"region_code": (text(form, "region_code") or "")[:9]}
    question = (text(form, "question") or "")[:500]
    fragment = bool(request.headers.get("HX-Request"))
    exchange: dict[str, Any] = {"question": question}
    status = 200
    if not _token_ok(request, form):
        exchange.update(error=EXPIRED)
        status = 403
    elif not question:
        exchange.update(error="请输入您想咨询的问题")
        status = 422
    else:
        try:
            reply = service.assistant(db, question, region_code=values["region_code"] or None)
            exchange.update(reply=reply, appeal_url=None if reply.answered else service.appeal_link(question))
        except InvalidInput as exc:
            exchange.update(error=exc.reason)
            status = 422
    if fragment:  # htmx swaps only 2xx answers by default: a refused question is still shown
        return _page(request, "knowledge/_exchange.html", exchange=exchange)
    return _page(request, "knowledge/public_assistant.html", status=status, title="智能客服", exchanges=[exchange],
                 regions=_regions(db), values=values)
