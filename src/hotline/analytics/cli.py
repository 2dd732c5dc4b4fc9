"""``hotline statistics``: rebuild the cube (after an import or a restore) and print a table."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from hotline.config import Settings


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    """Count every day again, one month per transaction, then move the cursor to the newest
    event (events of the rebuilt days need no second count)."""
    from hotline.analytics import periods, repository, service
    from hotline.cli import _session_factory
    from hotline.kit import clock
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        first = repository.first_registration(session)
        service.mark_all_read(session)  # events from here on are counted by the refresh job
    if first is None:
        print("没有工单，无需重建")
        return 0
    start = periods.custom(args.start, args.start).start if args.start else first.astimezone(clock.CST).date()
    end = periods.custom(args.end, args.end).end if args.end else clock.today()
    rows = 0
    month = start.replace(day=1)
    while month <= end:
        last = periods.period("month", month).end
        with transaction(factory) as session:
            rows += service.rebuild(session, max(month, start), min(last, end))
        month = last + dt.timedelta(days=1)
    print(f"统计数据已重建：{start} 至 {end}，{rows} 行")
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.analytics import periods, service
    from hotline.analytics.measures import MEASURES
    from hotline.cli import _session_factory
    from hotline.kit import clock
    from hotline.kit.db import transaction

    anchor = args.anchor or clock.today()
    p = periods.custom(args.start, args.end) if args.kind == "custom" else periods.period(args.kind, anchor)
    with transaction(_session_factory(settings)) as session:
        scope = service.Scope.region(session, args.region or _province(session))
        table = service.statistics(session, scope, service.StatQuery(period=p, dimension=args.dimension,
                                                                     level=args.level, compare=False))
    rows = [*table.rows, table.total]
    if args.json:
        print(json.dumps({"period": p.label, "scope": scope.label,
                          "rows": [{"key": r.key, "label": r.label, **r.values} for r in rows]}, ensure_ascii=False))
        return 0
    keys = ("received", "handled", "handling_rate", "on_time_rate", "satisfaction_rate")
    print(f"{scope.label} {p.label}\t" + "\t".join(MEASURES[k].label for k in keys))
    for r in rows:
        cells = [f"{v:.1%}" if isinstance(v, float) else str(v if v is not None else "—")
                 for v in (r.values[k] for k in keys)]
        print(f"{r.label}\t" + "\t".join(cells))
    return 0


def _province(session) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from hotline.org.models import Region

    code = session.execute(select(Region.code).where(Region.parent_id.is_(None)).order_by(Region.id)).scalar()
    if code is None:
        raise SystemExit("数据库中还没有区域")
    return str(code)


def register(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("statistics", help="the statistics cube").add_subparsers(dest="stats_command", required=True)
    p = stats.add_parser("rebuild", help="count every day again from the orders (after an import or restore)")
    p.add_argument("--from", dest="start", help="first day (default: the first order)")
    p.add_argument("--to", dest="end", help="last day (default: today)")
    p.set_defaults(func=cmd_rebuild)
    p = stats.add_parser("show", help="a table of the main measures")
    p.add_argument("--period", dest="kind", default="month", choices=["day", "week", "month", "quarter", "half",
                                                                       "year", "custom"])
    p.add_argument("--anchor", help="2026-11, 2026Q4, 2026H2, 2026 or a day (default: today)")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    p.add_argument("--dimension")
    p.add_argument("--level", type=int)
    p.add_argument("--region", help="region code (default: the province)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)
