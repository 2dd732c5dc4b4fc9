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
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import demo_database, percentile, report
from _province import CST, generate, widen


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
