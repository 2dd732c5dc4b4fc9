"""``hotline report``: a report drafted from the command line and written as .docx, with its
.xlsx annex beside it (``F.docx`` → ``F.xlsx``). The draft is kept (on the reports page, to
edit and issue) unless ``--no-keep``.

    hotline report monthly --month 2026-11 --out F.docx
    hotline report half-year --half 2026H2 --out F.docx
    hotline report campaign --from 2026-01-01 --to 2026-11-30 --out F.docx
    hotline report special --hotspot 2026-11:3 | --warning ID --out F.docx
    hotline report daily-ledger --day 2026-11-05 --out F.docx

``--region CODE`` chooses the region (default: the province)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.config import Settings

if TYPE_CHECKING:
    from hotline.analytics.reports.service import DraftRequest


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("日期格式应为 YYYY-MM-DD") from None


def _request(args: argparse.Namespace) -> DraftRequest:
    from hotline.analytics.reports import service

    region = args.region
    if args.report_command == "monthly":
        return service.DraftRequest(kind="monthly", period=args.month, region_code=region)
    if args.report_command == "half-year":
        return service.DraftRequest(kind="half_year", period=args.half, region_code=region)
    if args.report_command == "campaign":
        return service.DraftRequest(kind="campaign", start=args.start, end=args.end, region_code=region)
    if args.report_command == "daily-ledger":
        return service.DraftRequest(kind="daily_ledger", period=args.day, region_code=region)
    if args.warning is not None:
        return service.DraftRequest(kind="special", warning_id=args.warning, region_code=region)
    month, _, rank = (args.hotspot or "").partition(":")
    return service.DraftRequest(kind="special", hotspot_month=month, hotspot_rank=int(rank) if rank.isdigit() else 0,
                                region_code=region)


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.analytics.reports import documents, service
    from hotline.cli import _session_factory
    from hotline.kit.db import transaction
    from hotline.kit.errors import HotlineError

    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        print("--out 应为 .docx 文件", file=sys.stderr)
        return 2
    try:
        with transaction(_session_factory(settings)) as session:
            report, docx, xlsx = service.generate(session, _request(args))
            title, ref, warnings = report.title, report.ref, report.content.get("warnings", [])
            if args.no_keep:
                session.delete(report)
    except HotlineError as exc:
        field = getattr(exc, "field", None)
        print(f"错误：{exc.message}" + (f"（{field}）" if field else ""), file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(docx)
    annex = out.with_suffix(".xlsx")
    annex.write_bytes(xlsx)
    for w in warnings:
        print(f"警告：{w}", file=sys.stderr)
    if not documents.cjk_font():
        print(f"警告：{documents.NO_FONT_WARNING}", file=sys.stderr)
    kept = "" if args.no_keep else f"\n草稿 {ref} 已保存，可在“分析报告”页修改后印发"
    print(f"{title}\n已写入 {out} 和 {annex}{kept}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="analysis reports as .docx with an .xlsx annex").add_subparsers(
        dest="report_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True, help="the .docx to write (the annex goes beside it as .xlsx)")
        p.add_argument("--region", default=None, help="region code (default: the province)")
        p.add_argument("--no-keep", action="store_true", help="do not keep the draft in the database")
        p.set_defaults(func=cmd_report)

    p = report.add_parser("monthly", help="monthly analysis")
    p.add_argument("--month", required=True, help="YYYY-MM")
    common(p)
    p = report.add_parser("half-year", help="half-yearly analysis")
    p.add_argument("--half", required=True, help="YYYYH1 or YYYYH2")
    common(p)
    p = report.add_parser("campaign", help="enterprise-appeal campaign report")
    p.add_argument("--from", dest="start", required=True, type=_date)
    p.add_argument("--to", dest="end", required=True, type=_date)
    common(p)
    p = report.add_parser("special", help="special report (信息专报) from a hotspot or an early warning")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--hotspot", help="MONTH:RANK, e.g. 2026-11:3 (the region's centre's hotspots)")
    source.add_argument("--warning", type=int, help="early warning id")
    common(p)
    p = report.add_parser("daily-ledger", help="the daily emergency and stability ledger")
    p.add_argument("--day", required=True, help="YYYY-MM-DD")
    common(p)
