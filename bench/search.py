"""The order search at provincial scale: every filter of the search, alone and combined, over N orders.

    python bench/search.py [--orders 1000000] [--database-url postgresql+psycopg://…] [--repeat 12]

Starts from a fresh database holding the demo province, widens it to a province's size (as
bench/statistics.py does) and bulk-writes ``--orders`` work orders whose titles and texts are the
real appeals of ``../shared/data/appeals-dev.tsv`` in turn, with their bigram search text, 60 %
of them filed by one of N/3 callers with phones (repeat callers). Then it samples the indexes for
SQLite's planner (as the platform's job does) and times ``workorder.search.search`` — one page of
50 and the total (counted up to 1,000), which is what the search page and the API answer — for
each shape: a filter alone (number, phone, a common word, a rare phrase, two words, a week,
channel, appeal type, a category subtree and a leaf, a city and a township, a lead unit, open,
waiting for dispatch, emergency, overdue, enterprise, merged, returned, re-handled, dissatisfied,
unrated, urged), combinations, a city centre's and a unit's scope, the request for the fifth page
by keyset (the four before it untimed), an export's first 5,000 rows, and each role's workbench
(its counts and the lists behind them).

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
from _common import ROOT, demo_database, percentile, report
from _province import CST, generate, widen

DATA = ROOT.parent / "shared" / "data" / "appeals-dev.tsv"


def texts() -> list[tuple[str, str]]:
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines()[1:]:
        _label, _, text = line.partition("\t")
        text = text.strip()
        if len(text) >= 10:
            out.append((text[:20], text[:2000]))
    return out


def shapes(session: Any, corpus: list[tuple[str, str]], callers: int) -> dict[str, Any]:
    """name -> callable(i) running one search of the shape (i varies the anchor), or a pair
    (prepare(i) untimed, run(what prepare gave) timed)."""
    from sqlalchemy import func, select

    from hotline.auth.models import Role
    from hotline.auth.principal import Principal
    from hotline.kit import clock
    from hotline.org.models import Category, Channel, Region, Unit, UnitKind
    from hotline.workorder import export, search
    from hotline.workorder.models import WorkOrder

    now = clock.now()
    today = now.astimezone(CST).date()
    province = session.execute(select(Region).where(Region.parent_id.is_(None))).scalar_one()
    city = session.execute(select(Region).where(Region.code == province.code[:2] + "2000")).scalar_one()
    town = session.execute(select(Region).where(Region.code.startswith(city.code[:4]), Region.level == "township")
                           .order_by(Region.code)).scalars().first()
    centre = session.execute(select(Unit).where(Unit.kind == UnitKind.hotline_centre, Unit.region_id == province.id)
                             ).scalars().first()
    city_centre = session.execute(select(Unit).where(Unit.kind == UnitKind.hotline_centre, Unit.region_id == city.id)
                                  ).scalars().first()
    busiest = session.execute(select(WorkOrder.lead_unit_id, func.count()).where(WorkOrder.lead_unit_id.is_not(None))
                              .group_by(WorkOrder.lead_unit_id).order_by(func.count().desc()).limit(1)).first()
    unit = session.get(Unit, busiest[0])
    tops = list(session.execute(select(Category).where(Category.level == 1).order_by(Category.code)).scalars())
    leaf = session.execute(select(Category).where(Category.level == 3).order_by(Category.code)).scalars().first()
    channels = list(session.execute(select(Channel.code).order_by(Channel.id)).scalars())
    numbers = list(session.execute(select(WorkOrder.number).order_by(WorkOrder.id.desc()).limit(500)).scalars())

    def who(role: Role, u: Unit, region: Region) -> Principal:
        return Principal(user_id=0, username="bench", display_name="bench", role=role, unit_id=u.id,
                         unit_name=u.name, region_code=region.code)

    agent = who(Role.agent, centre, province)
    city_dispatcher = who(Role.dispatcher, city_centre, city)
    handler = who(Role.unit_handler, unit, unit.region)
    common = ["小区", "物业", "噪音", "停车", "工资"]
    rare = [content[len(content) // 2:len(content) // 2 + 5] for _, content in corpus[::97][:12]]
    pairs = [("物业", "收费"), ("小区", "停车"), ("噪音", "晚上"), ("工资", "拖欠")]
    week = lambda i: {"from": (today - dt.timedelta(days=14 + i)).isoformat(),  # noqa: E731
                      "to": (today - dt.timedelta(days=8 + i)).isoformat()}
    month = lambda i: {"from": (today - dt.timedelta(days=60 + i)).isoformat(),  # noqa: E731
                       "to": (today - dt.timedelta(days=30 + i)).isoformat()}

    def run(principal: Principal, params: dict[str, str]) -> Any:
        return search.search(session, principal, search.parse(params), now=now)

    def fifth_page(principal: Principal, params: Any) -> tuple[Any, Any]:
        """The request for a search's fifth page, timed alone: the four before it are turned
        untimed (a user reads each page before asking for the next)."""
        def turn(i: int) -> tuple[Any, str | None]:
            query = search.parse(params(i))
            page = search.search(session, principal, query, now=now)
            for _ in range(3):
                if page.next_after is None:
                    break
                page = search.search(session, principal, query, after=page.next_after, now=now)
            return query, page.next_after

        def fifth(state: tuple[Any, str | None]) -> Any:
            query, after = state
            return search.search(session, principal, query, after=after, now=now) if after else None
        return turn, fifth

    filters: dict[str, Any] = {
        "number": lambda i: {"number": numbers[i % len(numbers)]},
        "phone": lambda i: {"phone": f"139{(i * 7919) % max(callers, 1):08d}"},
        "text_common": lambda i: {"q": common[i % len(common)]},
        "text_rare": lambda i: {"q": rare[i % len(rare)]},
        "text_two_words": lambda i: {"q": " ".join(pairs[i % len(pairs)])},
        "week": week,
        "channel": lambda i: {"channel": channels[1 + i % (len(channels) - 1)]},
        "appeal_type": lambda i: {"appeal_type": ["suggestion", "report", "praise"][i % 3]},
        "category_subtree": lambda i: {"category": tops[i % len(tops)].code},
        "category_leaf": lambda i: {"category": leaf.code},
        "region_city": lambda i: {"region": city.code},
        "region_township": lambda i: {"region": town.code},
        "lead_unit": lambda i: {"lead_unit": unit.code},
        "status_open": lambda i: {"status": "open"},
        "status_registered": lambda i: {"status": "registered"},
        "urgency_emergency": lambda i: {"urgency": "emergency"},
        "overdue": lambda i: {"overdue": "true"},
        "enterprise": lambda i: {"enterprise": "true"},
        "merged": lambda i: {"merged": "true"},
        "returned": lambda i: {"returned": "true"},
        "rehandled": lambda i: {"rehandled": "true"},
        "dissatisfied": lambda i: {"satisfaction": "dissatisfied"},
        "unrated": lambda i: {"satisfaction": "unrated"},
        "urged": lambda i: {"urged": "true"},
        "combo_category_open_overdue": lambda i: {"category": tops[i % len(tops)].code, "status": "open",
                                                  "overdue": "true"},
        "combo_city_month_complaint": lambda i: {"region": city.code, **month(i), "appeal_type": "complaint"},
        "combo_text_city": lambda i: {"q": common[i % len(common)], "region": city.code},
        "combo_enterprise_dissatisfied": lambda i: {"enterprise": "true", "satisfaction": "dissatisfied"},
        "combo_emergency_returned": lambda i: {"urgency": "emergency", "returned": "true"},
        "combo_leaf_week": lambda i: {"category": leaf.code, **week(i)},
    }
    out: dict[str, Any] = {}
    for name, make in filters.items():
        out[f"province_{name}"] = lambda i, m=make: run(agent, m(i))
    for name in ("status_open", "overdue", "text_common", "category_subtree", "week"):
        out[f"city_{name}"] = lambda i, m=filters[name]: run(city_dispatcher, m(i))
    out["unit_all"] = lambda i: run(handler, {})
    out["unit_handling"] = lambda i: run(handler, {"status": "handling"})
    out["unit_text"] = lambda i: run(handler, {"q": common[i % len(common)]})
    out["unit_overdue"] = lambda i: run(handler, {"overdue": "true"})
    out["province_status_open_page5"] = fifth_page(agent, lambda i: {"status": "open"})
    out["province_text_common_page5"] = fifth_page(agent, lambda i: {"q": common[i % len(common)]})

    def export_head(i: int) -> int:
        tally = export.Tally()
        rows = export.lines(session, agent, search.parse({"region": city.code, **month(i)}), now=now, tally=tally,
                            limit=5000)
        return sum(1 for _ in rows)

    out["export_5000_rows"] = export_head

    # the workbench of each role: its counts and short lists (what the home page reads)
    from hotline.workbench import service as workbench

    supervisor = who(Role.centre_supervisor, city_centre, city)
    manager = who(Role.unit_manager, unit, unit.region)
    for name, principal in (("agent", agent), ("dispatcher", city_dispatcher), ("supervisor", supervisor),
                            ("unit", manager)):
        out[f"workbench_{name}"] = lambda i, p=principal: workbench.workbench(session, p, now=now)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=12)
    parser.add_argument("--data-dir", type=Path,
                        help="time the searches again on the database an earlier run left in this folder "
                             "(with --database-url and its schema on PostgreSQL), without building anything")
    parser.add_argument("--keep", action="store_true",
                        help="leave the PostgreSQL schema in place and print its URL, for --data-dir later")
    args = parser.parse_args()
    corpus = texts()
    callers = max(1, args.orders // 3)
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
        from hotline.kit import crypto
        from hotline.kit.db import refresh_planner_statistics, transaction

        settings = get_settings()
        factory = _session_factory(settings)
        crypto.configure(settings.pii_keys or "", settings.pii_index_key or "")
        written: dict[str, Any] = {}
        generate_s = 0.0
        if not args.data_dir:
            with transaction(factory) as session:
                widen(session)
            started = time.perf_counter()
            written = generate(settings.resolved_database_url, args.orders, texts=corpus, callers=callers)
            with transaction(factory) as session:  # what the platform's job does within hours of an import
                refresh_planner_statistics(session)
            generate_s = time.perf_counter() - started
        results: dict[str, float] = {}
        with factory() as session:
            timed = shapes(session, corpus, callers)
            for name, shape in timed.items():
                # a shape is a search run with i, or a pair: what leads to the request (untimed), the request
                prepare, run = shape if isinstance(shape, tuple) else (lambda i: i, shape)
                run(prepare(0))  # warm the caches once, as a server would be
                latencies = []
                for i in range(args.repeat):
                    state = prepare(i)
                    t0 = time.perf_counter()
                    run(state)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    session.rollback()  # the phone searches' audit records are not kept
                results[name] = round(percentile(latencies, 95), 1)
                print(f"{name}: {results[name]} ms", file=sys.stderr, flush=True)
    worst = max((k for k in results if k != "export_5000_rows"), key=lambda k: results[k])
    report({
        "benchmark": "search", "database": "postgresql" if args.database_url else "sqlite",
        "orders": f"from {args.data_dir}" if args.data_dir else args.orders, **written,
        "generate_s": round(generate_s, 1), "repeat": args.repeat, "shapes": len(results),
        "worst_shape": worst, "worst_p95_ms": results[worst],
        "over_300ms": sorted(k for k, v in results.items() if v >= 300 and k != "export_5000_rows"),
        "export_5000_rows_ms": results["export_5000_rows"],
        "p95_ms": results,
    })


if __name__ == "__main__":
    main()
