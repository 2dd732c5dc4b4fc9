"""JSON API of the workbench: ``GET /api/v1/workbench`` — the caller's cards (counts, the lists
they open, the most urgent items)."""

from __future__ import annotations

from pydantic import BaseModel

from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.workbench import service

router = routing.router(tags=["workbench"], responses={
    401: {"description": "Not logged in"}, 403: {"description": "The role may not"},
    404: {"description": "Not found, or not the caller's"}, 409: {"description": "Not in a state that allows it"},
    413: {"description": "Upload too large"}, 422: {"description": "Invalid field (named)"}})


class LineOut(BaseModel):
    text: str
    url: str
    note: str
    hot: bool


class CardOut(BaseModel):
    key: str
    title: str
    count: int | None
    url: str | None
    hint: str
    hot: bool
    lines: list[LineOut]
    table: list[dict[str, str | int]] | None


class WorkbenchOut(BaseModel):
    role: str
    cards: list[CardOut]


@router.get("/workbench", response_model=WorkbenchOut)
def workbench(principal: CurrentPrincipal, db: Db) -> WorkbenchOut:
    bench = service.workbench(db, principal)
    return WorkbenchOut(role=bench.role.value, cards=[CardOut(
        key=c.key, title=c.title, count=c.count, url=c.url, hint=c.hint, hot=c.hot,
        lines=[LineOut(text=li.text, url=li.url, note=li.note, hot=li.hot) for li in c.lines], table=c.table)
        for c in bench.cards])
