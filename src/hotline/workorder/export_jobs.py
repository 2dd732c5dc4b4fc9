"""Export jobs (导出任务): a search of more than 50,000 orders is written to an .xlsx file in the
background — the worker reads it a batch at a time (each in a short transaction of its own, so a
long export holds no lock), records its progress, and leaves the file under the data directory
for its owner to download for 7 days. The file has the same columns, masking and header as the
direct export; its writing is audited like one (``work_order.exported`` with the job)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import service as auth_service
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.config import get_settings
from hotline.kit import clock, excel, jobs
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.errors import Conflict, InvalidInput, NotFound
from hotline.workorder import export, search
from hotline.workorder.models import ExportJob

JOB = "workorder.export"
PURGE_JOB = "workorder.export_purge"
KEEP = dt.timedelta(days=7)
REF = re.compile(r"[0-9a-f]{32}")
STATUS_NAMES = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败", "expired": "已过期"}
MAX_OPEN = 3  # an account's exports queued or running at once


def folder() -> Path:
    path = get_settings().data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_of(job: ExportJob) -> Path:
    return folder() / f"{job.ref}.xlsx"


def create(session: Session, actor: Principal, query: search.SearchQuery) -> ExportJob:
    """Queue the export of every order ``query`` finds (at most a sheet's worth)."""
    total = search.count(session, actor, query, cap=export.MAX_ROWS + 1)
    if total == 0:
        raise InvalidInput("query", "没有符合条件的工单")
    if total > export.MAX_ROWS:
        raise Conflict(f"查询结果超过 {export.MAX_ROWS} 条，请缩小条件后分批导出")
    running = session.scalars(select(ExportJob.id).where(ExportJob.owner_id == actor.user_id,
                                                         ExportJob.status.in_(["queued", "running"]))).all()
    if len(running) >= MAX_OPEN:
        raise Conflict(f"每个账号最多同时进行 {MAX_OPEN} 个导出任务，请等待完成")
    job = ExportJob(ref=secrets.token_hex(16), owner_id=actor.user_id, query=query.query_string(), status="queued",
                    total=total, done=0, created_at=clock.now())
    session.add(job)
    session.flush()
    audit.record(session, actor, "work_order.export_requested", object_type="export_job", object_id=job.ref,
                 detail={"orders": total, "filters": [name for name, _ in query.params()]})
    jobs.enqueue(session, JOB, {"ref": job.ref})
    return job


def mine(session: Session, actor: Principal, limit: int = 20) -> list[ExportJob]:
    search.require_searcher(actor)
    return list(session.scalars(select(ExportJob).where(ExportJob.owner_id == actor.user_id)
                                .order_by(ExportJob.id.desc()).limit(limit)))


def access_job(session: Session, actor: Principal, ref: str) -> ExportJob:
    search.require_searcher(actor)
    job = session.scalar(select(ExportJob).where(ExportJob.ref == ref)) if REF.fullmatch(ref or "") else None
    if job is None or job.owner_id != actor.user_id:
        raise NotFound("导出任务不存在")
    return job


def run(factory: SessionFactory, payload: dict[str, Any]) -> None:
    """The worker's part: write the file, a batch at a time, recording the progress."""
    ref = str(payload.get("ref") or "")
    with transaction(factory) as session:
        job = session.scalar(select(ExportJob).where(ExportJob.ref == ref))
        if job is None or job.status not in ("queued", "running"):
            return
        user = session.get(User, job.owner_id)
        if user is None or not user.active:
            job.status, job.error, job.finished_at = "failed", "导出人账号已停用", clock.now()
            return
        job.status = "running"
        principal = auth_service.principal_of(session, user)
        query = search.parse(parse_qs(job.query))
        total = job.total
    now = clock.now()
    target = folder() / f"{ref}.partial"

    def progress(done: int) -> None:
        # end the read transaction first: it gives its connection back (SQLite's writer pool has
        # one), then record the progress in a short transaction of its own
        reader.rollback()
        with transaction(factory) as write:
            found = write.scalar(select(ExportJob).where(ExportJob.ref == ref))
            if found is not None:
                found.done = done

    tally = export.Tally()
    try:
        with factory() as reader:
            rows = export.lines(reader, principal, query, now=now, tally=tally, limit=export.MAX_ROWS,
                                progress=progress)
            chunks = excel.stream("工单查询", export.preamble(reader, principal, query, total, now), export.HEADERS,
                                  rows)
            with target.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        target.replace(folder() / f"{ref}.xlsx")
    except Exception as exc:  # the job records why and stays failed; the worker goes on
        target.unlink(missing_ok=True)
        with transaction(factory) as session:
            job = session.scalar(select(ExportJob).where(ExportJob.ref == ref))
            if job is not None:
                job.status, job.error, job.finished_at = "failed", f"生成失败：{type(exc).__name__}", clock.now()
        raise
    with transaction(factory) as session:
        job = session.scalar(select(ExportJob).where(ExportJob.ref == ref))
        assert job is not None
        job.status, job.done, job.finished_at = "done", tally.orders, clock.now()
        job.file_name = f"工单查询-{now.astimezone(clock.CST):%Y%m%d%H%M}.xlsx"
        export.record(session, principal, query, tally, job=ref)


def purge(session: Session) -> int:
    """Drop the files of exports older than 7 days (their rows say expired)."""
    old = list(session.scalars(select(ExportJob).where(ExportJob.created_at < clock.now() - KEEP,
                                                       ExportJob.status.in_(["done", "failed"]))))
    for job in old:
        file_of(job).unlink(missing_ok=True)
        job.status = "expired"
    return len(old)
