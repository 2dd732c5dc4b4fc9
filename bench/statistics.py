"""The statistics workbench at provincial scale: every query shape of the workbench over N orders.

    python bench/statistics.py [--orders 1000000] [--database-url postgresql+psycopg://…] [--repeat 12]

Starts from a fresh database holding the demo province, widens it to a province's size (15 cities
of 8 counties of 12 townships, a centre per city and a workstation per county, 40 departments a
city), then writes ``--orders`` work orders spread over the last 400 days straight into the
database in bulk with a realistic spread: Zipf-like categories (the three-level tree of 517) and
townships, channels, appeal types, 10 % enterprise appeals, urgency, states by age, satisfaction,
overdue, returned, re-handled, merged, answered on the spot. Then it samples the indexes for
SQLite's planner (as the platform's job does every few hours), counts the cube (``build_s``:
``hotline statistics rebuild``'s work, one month per transaction) and times ``statistics()`` — a
table with its previous period and the same period last year, i.e. three reads (two for a year)
— for every shape:

* ``province_<dimension>_<period>``: the provincial centre, each dimension, month/quarter/year/
  week/custom (a custom range reads whole months from the monthly rows and its edges by day);
* ``city_<dimension>_<period>``: one city's centre;
* ``enterprise_<dimension>_month``: the enterprise filter;
* ``unit_month``/``unit_year``: the busiest unit (its orders, read through its order scope);
* ``sector_month``/``sector_year``: a provincial department's sector (about a tenth of the categories)
  by category; ``sector_region_*``: the same by region (the category × county pairs);
* ``filtered_region_month``: a category filter with the region dimension (the pairs too);
* ``trend_year``: the twelve monthly totals of a year; ``drill_first``/``drill_deep``: a page of
  the orders behind a cell and a page further down by keyset.

Prints one JSON object as its last line: ``p95_ms`` per shape, the worst shape and its p95."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import demo_database, percentile, report

DAYS = 400
CHUNK = 20_000
CST = dt.timezone(dt.timedelta(hours=8))


def widen(session: Any) -> None:
    """Cities, counties, townships, centres and departments of a real province's size."""
    from sqlalchemy import func, select

    from hotline.org.models import Region, RegionLevel, Unit, UnitKind

    province = session.execute(select(Region).where(Region.parent_id.is_(None))).scalar_one()
    centre = session.execute(select(Unit).where(Unit.kind == UnitKind.hotline_centre, Unit.region_id == province.id)
                             ).scalars().first()
    top = int(session.execute(select(func.max(Region.id))).scalar_one())
    p2 = province.code[:2]
    for c in range(20, 35):
        city = Region(code=f"{p2}{c:02d}00", name=f"第{c}市", level=RegionLevel.city, parent_id=province.id)
        session.add(city)
        session.flush()
        city_centre = Unit(code=f"C-{city.code}", name=f"{city.name}热线中心", kind=UnitKind.hotline_centre,
                           level=RegionLevel.city, region_id=city.id, parent_id=centre.id if centre else None)
        session.add(city_centre)
        for d in range(40):
            session.add(Unit(code=f"{city.code}-d{d}", name=f"{city.name}第{d}局", kind=UnitKind.department,
                             level=RegionLevel.city, region_id=city.id))
        session.flush()
        for k in range(1, 9):
            county = Region(code=f"{p2}{c:02d}{k:02d}", name=f"{city.name}{k}区", level=RegionLevel.county,
                            parent_id=city.id)
            session.add(county)
            session.flush()
            session.add(Unit(code=f"W-{county.code}", name=f"{county.name}工作站", kind=UnitKind.workstation,
                             level=RegionLevel.county, region_id=county.id, parent_id=city_centre.id))
            for t in range(1, 13):
                session.add(Region(code=f"{county.code}{t:03d}", name=f"{county.name}{t}街道",
                                   level=RegionLevel.township, parent_id=county.id))
        session.flush()
    assert top > 0


def generate(url: str, n: int, seed: int = 20261207) -> dict[str, Any]:
    """Bulk-write ``n`` orders (and their lead assignments); returns what was written."""
    import sqlalchemy as sa

    from hotline.org.models import Category, Channel, Region, RegionLevel, Unit, UnitKind
    from hotline.workorder.lifecycle import Status
    from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, WorkOrder

    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        towns = list(conn.execute(sa.select(Region.id, Region.code).where(Region.level == RegionLevel.township)))
        centres = {code: uid for uid, code in conn.execute(
            sa.select(Unit.id, Region.code).join(Region, Unit.region_id == Region.id).where(
                Unit.kind.in_([UnitKind.hotline_centre, UnitKind.workstation])))}
        departments: dict[str, list[int]] = {}
        for uid, code in conn.execute(sa.select(Unit.id, Region.code).join(Region, Unit.region_id == Region.id).where(
                Unit.kind.in_([UnitKind.department, UnitKind.government, UnitKind.utility]))):
            departments.setdefault(code[:4], []).append(uid)
        leaves = list(conn.execute(sa.select(Category.id).where(Category.level == 3)).scalars())
        channels = list(conn.execute(sa.select(Channel.id).order_by(Channel.id)).scalars())
        start_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(WorkOrder.id), 0))).scalar_one() + 1
    rng.shuffle(leaves)
    rng.shuffle(towns)
    cat_weights = [1 / (i + 1) ** 0.9 for i in range(len(leaves))]
    town_weights = [1 / (i + 1) ** 0.6 for i in range(len(towns))]
    channel_weights = [60, 15, 10, 10, 5, 3, 2, 1, 1, 1][:len(channels)] + [1] * max(0, len(channels) - 10)
    types, type_weights = ["complaint", "help", "consultation", "report", "suggestion", "praise"], [35, 25, 25, 7, 6, 2]
    all_departments = [u for us in departments.values() for u in us]
    now = dt.datetime.now(dt.UTC)
    numbers: dict[str, int] = {}
    wo_table, asg_table = WorkOrder.__table__, Assignment.__table__
    order_id = start_id
    stats = {"closed": 0, "open": 0, "enterprise": 0}
    cat_pick = rng.choices(leaves, cat_weights, k=n)
    town_pick = rng.choices(towns, town_weights, k=n)
    with engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        for i in range(n):
            age = dt.timedelta(seconds=rng.random() * DAYS * 86400)
            registered = now - age
            key = registered.astimezone(CST).strftime("%Y%m%d")
            numbers[key] = numbers.get(key, 0) + 1
            town_id, town_code = town_pick[i]
            centre = centres.get(town_code[:6]) or centres.get(town_code[:4] + "00") or next(iter(centres.values()))
            appeal_type = rng.choices(types, type_weights)[0]
            on_spot = appeal_type == "consultation" and rng.random() < 0.6
            old = age > dt.timedelta(days=20)
            if on_spot:
                status = Status.closed
            elif old:
                status = Status.closed if rng.random() < 0.95 else rng.choice([Status.handling, Status.callback])
            else:
                status = rng.choices([Status.closed, Status.callback, Status.replied, Status.handling,
                                      Status.dispatched, Status.registered], [40, 10, 5, 30, 10, 5])[0]
            dispatched = not on_spot and status != Status.registered
            lead = rng.choice(departments.get(town_code[:4]) or all_departments) if dispatched else None
            dispatched_at = registered + dt.timedelta(minutes=rng.uniform(1, 120)) if dispatched else None
            due = registered + dt.timedelta(days=7) if dispatched else None
            overdue = dispatched and rng.random() < 0.06
            closed_at = registered if on_spot else (
                registered + dt.timedelta(days=rng.uniform(0.5, 12)) if status == Status.closed else None)
            verdict = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [75, 17, 8])[0] \
                if status == Status.closed and not on_spot and rng.random() < 0.9 else None
            enterprise = rng.random() < 0.10
            stats["enterprise"] += enterprise
            stats["closed" if status == Status.closed else "open"] += 1
            rows.append({
                "id": order_id, "number": f"HL{key}{numbers[key] + 600000:06d}", "status": status,
                "channel_id": rng.choices(channels, channel_weights)[0], "appeal_type": appeal_type,
                "category_id": cat_pick[i], "region_id": town_id, "address": None,
                "title": "小区路灯不亮", "content": "路灯坏了很久没人修，晚上出行不便。", "citizen_id": None,
                "is_confidential": False,
                "urgency": rng.choices(["normal", "urgent", "emergency"], [95, 4, 1])[0],
                "is_enterprise": enterprise, "enterprise_name": None, "uscc": None, "centre_unit_id": centre,
                "lead_unit_id": lead, "created_by_id": None, "direct_rule_id": None,
                "answer": "已当场解答" if on_spot else None, "registered_at": registered,
                "dispatched_at": dispatched_at,
                "dispatch_seconds": (dispatched_at - registered).total_seconds() if dispatched_at else None,
                "signed_at": None, "replied_at": None, "closed_at": closed_at, "sign_due_at": None, "due_at": due,
                "due_covered": True, "due_soon_warned_at": None, "overdue_at": due if overdue else None,
                "return_count": int(dispatched and rng.random() < 0.03), "unjustified_return_count": 0,
                "rehandle_count": int(dispatched and rng.random() < 0.04), "dissatisfied_count": 0,
                "extension_count": 0, "supervision_flag": False, "supervision_reason": None, "final_result": None,
                "final_verdict": verdict, "version": 1, "merged_into_id": None, "urge_count": 0,
            })
            if lead is not None:
                assignments.append({"work_order_id": order_id, "unit_id": lead, "role": AssignmentRole.lead,
                                    "state": AssignmentState.done if status == Status.closed
                                    else AssignmentState.active,
                                    "assigned_at": dispatched_at, "signed_at": None, "contribution": None,
                                    "contributed_at": None})
            order_id += 1
            if len(rows) >= CHUNK:
                conn.execute(sa.insert(wo_table), rows)
                conn.execute(sa.insert(asg_table), assignments)
                rows, assignments = [], []
        if rows:
            conn.execute(sa.insert(wo_table), rows)
        if assignments:
            conn.execute(sa.insert(asg_table), assignments)
        # duplicates merged into the order before them (2 %)
        merged_ids = [oid for oid in range(start_id + 1, order_id) if rng.random() < 0.02]
        stats["merged"] = len(merged_ids)
        for k in range(0, len(merged_ids), CHUNK):
            part = merged_ids[k:k + CHUNK]
            conn.execute(sa.update(wo_table).where(wo_table.c.id == sa.bindparam("oid")).values(
                merged_into_id=sa.bindparam("main")), [{"oid": m, "main": m - 1} for m in part])
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return stats


def build_cube(factory: Any) -> tuple[float, int]:
    from hotline.analytics import periods, repository, service
    from hotline.kit.clock import CST as ZONE
    from hotline.kit.db import transaction

    started = time.perf_counter()
    with transaction(factory) as session:
        first = repository.first_registration(session)
        service.mark_all_read(session)
    assert first is not None
    start, end = first.astimezone(ZONE).date(), dt.datetime.now(ZONE).date()
    rows = 0
    month = start.replace(day=1)
    while month <= end:
        last = periods.period("month", month).end
        with transaction(factory) as session:
            rows += service.rebuild(session, max(month, start), min(last, end))
        month = last + dt.timedelta(days=1)
    return time.perf_counter() - started, rows


def shapes(session: Any) -> dict[str, Any]:
    """name -> callable(i) running one query of the shape (i varies the anchor)."""
    from dataclasses import replace

    from sqlalchemy import func, select

    from hotline.analytics import periods, service
    from hotline.analytics.service import Scope, StatQuery
    from hotline.auth.models import Role
    from hotline.auth.principal import Principal
    from hotline.org.models import Category, Region, Unit
    from hotline.workorder.models import WorkOrder

    today = dt.datetime.now(CST).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    province = session.execute(select(Region).where(Region.parent_id.is_(None))).scalar_one()
    city = session.execute(select(Region).where(Region.code == province.code[:2] + "2000")).scalar_one()

    def month(i: int) -> periods.Period:
        m = last_month
        for _ in range(i % 6):
            m = (m - dt.timedelta(days=1)).replace(day=1)
        return periods.period("month", m)

    kinds = {
        "month": month,
        "quarter": lambda i: periods.period("quarter", month(i * 3).start),
        "year": lambda i: periods.period("year", today - dt.timedelta(days=30)),
        "week": lambda i: periods.period("week", today - dt.timedelta(days=7 * (i % 8 + 1))),
        "custom": lambda i: periods.custom(today - dt.timedelta(days=140 + i), today - dt.timedelta(days=20 + i)),
    }
    busiest = session.execute(select(WorkOrder.lead_unit_id, func.count()).where(WorkOrder.lead_unit_id.is_not(None))
                              .group_by(WorkOrder.lead_unit_id).order_by(func.count().desc()).limit(1)).first()
    unit = session.get(Unit, busiest[0])
    tops = list(session.execute(select(Category).where(Category.level == 1).order_by(Category.code)).scalars())
    sector_top = tops[len(tops) // 2]
    sector_ids = frozenset(session.execute(select(Category.id).where(
        Category.code.startswith(sector_top.code))).scalars())
    unit_principal = Principal(user_id=0, username="bench-unit", display_name="bench", role=Role.unit_handler,
                               unit_id=unit.id, unit_name=unit.name, region_code=unit.region.code)
    sector_principal = Principal(user_id=0, username="bench-sector", display_name="bench", role=Role.sector_viewer,
                                 unit_id=unit.id, unit_name="省直部门", region_code=province.code,
                                 sector_category_ids=sector_ids)
    province_scope = Scope.region(session, province.code)
    city_scope = Scope.region(session, city.code)
    out: dict[str, Any] = {}
    dims = (None, "appeal_type", "category", "region", "channel", "lead_unit", "enterprise", "urgency")
    for dim in dims:
        for kind, make in kinds.items():
            out[f"province_{dim or 'total'}_{kind}"] = lambda i, d=dim, m=make: service.statistics(
                session, province_scope, StatQuery(period=m(i), dimension=d))
        for kind in ("month", "year"):
            out[f"city_{dim or 'total'}_{kind}"] = (
                lambda i, d=dim, m=kinds[kind]: service.statistics(session, city_scope, StatQuery(period=m(i),
                                                                                                  dimension=d)))
    for dim in ("category", "region"):
        out[f"enterprise_{dim}_month"] = lambda i, d=dim: service.statistics(
            session, province_scope, StatQuery(period=month(i), dimension=d, enterprise=True))
    out["province_category_level3_year"] = lambda i: service.statistics(
        session, province_scope, StatQuery(period=kinds["year"](i), dimension="category", level=3))
    out["province_region_township_month"] = lambda i: service.statistics(
        session, province_scope, StatQuery(period=month(i), dimension="region", level=4))
    for kind in ("month", "year"):
        out[f"unit_{kind}"] = lambda i, m=kinds[kind]: service.statistics(
            session, Scope.of(unit_principal), StatQuery(period=m(i), dimension="category"))
        out[f"sector_{kind}"] = lambda i, m=kinds[kind]: service.statistics(
            session, Scope.of(sector_principal), StatQuery(period=m(i), dimension="category", level=2))
        out[f"sector_region_{kind}"] = lambda i, m=kinds[kind]: service.statistics(
            session, Scope.of(sector_principal), StatQuery(period=m(i), dimension="region"))
    out["filtered_region_month"] = lambda i: service.statistics(
        session, province_scope, StatQuery(period=month(i), dimension="region", category_id=sector_top.id))
    out["trend_year"] = lambda i: service.trend(session, province_scope, StatQuery(period=kinds["year"](i)))

    def drill(i: int, deep: bool) -> Any:
        q = StatQuery(period=month(i), dimension="category")
        table = service.statistics(session, province_scope, replace(q, compare=False))
        row = table.rows[i % min(3, len(table.rows))]
        page = service.drill_down(session, province_scope, q, row.key, "handled")
        if deep:
            for _ in range(5):
                if page.next_after is None:
                    break
                page = service.drill_down(session, province_scope, q, row.key, "handled", after=page.next_after)
        return page

    out["drill_first"] = lambda i: drill(i, False)
    out["drill_deep"] = lambda i: drill(i, True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=12)
    parser.add_argument("--data-dir", type=Path,
                        help="time the queries again on the database an earlier run left in this folder "
                             "(its hotline-bench-* temporary folder), without building anything; on "
                             "PostgreSQL give the --database-url that run printed (with its schema)")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --data-dir: count the cube again before timing (after a change of the cube)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the PostgreSQL schema in place and print its URL, for --data-dir later")
    args = parser.parse_args()
    reuse = {"HOTLINE_DATA_DIR": str(args.data_dir)}
    if args.data_dir and args.database_url:
        reuse["HOTLINE_DATABASE_URL"] = args.database_url
    with (contextlib.nullcontext(reuse) if args.data_dir
          else demo_database(args.database_url, keep=args.keep)) as env:
        if args.keep:
            print(f"kept: --data-dir {env['HOTLINE_DATA_DIR']}"
                  + (f" --database-url '{env['HOTLINE_DATABASE_URL']}'" if args.database_url else ""),
                  file=sys.stderr, flush=True)
        os.environ.update(env)
        from hotline.cli import _session_factory
        from hotline.config import get_settings
        from hotline.kit.db import refresh_planner_statistics, transaction

        settings = get_settings()
        factory = _session_factory(settings)
        written: dict[str, Any] = {}
        generate_s = build_s = 0.0
        cube_rows = 0
        if not args.data_dir:
            with transaction(factory) as session:
                widen(session)
            started = time.perf_counter()
            written = generate(settings.resolved_database_url, args.orders)
            with transaction(factory) as session:  # what the platform's job does within hours of an import
                refresh_planner_statistics(session)
            generate_s = time.perf_counter() - started
            build_s, cube_rows = build_cube(factory)
        elif args.rebuild:
            build_s, cube_rows = build_cube(factory)
        results: dict[str, float] = {}
        with factory() as session:
            timed = shapes(session)
            for name, run in timed.items():
                run(0)  # warm the caches once, as a server would be
                latencies = []
                for i in range(args.repeat):
                    t0 = time.perf_counter()
                    run(i)
                    latencies.append((time.perf_counter() - t0) * 1000)
                results[name] = round(percentile(latencies, 95), 1)
    worst = max(results, key=lambda k: results[k])
    report({
        "benchmark": "statistics", "database": "postgresql" if args.database_url else "sqlite",
        "orders": f"from {args.data_dir}" if args.data_dir else args.orders, **written,
        "generate_s": round(generate_s, 1), "build_s": round(build_s, 1),
        "cube_rows": cube_rows, "repeat": args.repeat, "shapes": len(results),
        "worst_shape": worst, "worst_p95_ms": results[worst],
        "over_300ms": sorted(k for k, v in results.items() if v >= 300),
        "p95_ms": results,
    })


if __name__ == "__main__":
    main()
