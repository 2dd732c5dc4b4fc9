"""The province the benchmarks at scale build: a real province's size of regions and units
(:func:`widen`) and millions of work orders written straight into the database in bulk with a
realistic spread (:func:`generate`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

CHUNK = 20_000
DAYS = 400
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


@contextlib.contextmanager
def _bulk(conn: Any, tables: list[Any]) -> Iterator[Callable[[Any, list[dict[str, Any]]], None]]:
    """A writer of row batches into ``tables`` inside ``conn``'s transaction. SQLite: Core
    ``executemany``. PostgreSQL: ``COPY … FROM STDIN`` with the tables' secondary indexes
    dropped during the load and built again after it (PostgreSQL's own advice for populating
    a database: a GIN index over millions of texts is far cheaper built once than kept row by
    row), and the id sequences moved past the ids written."""
    import sqlalchemy as sa

    if conn.dialect.name != "postgresql":
        def insert(table: Any, rows: list[dict[str, Any]]) -> None:
            if rows:
                conn.execute(sa.insert(table), rows)
        yield insert
        return
    names = [t.name for t in tables]
    indexes = list(conn.execute(sa.text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:names) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)"), {"names": names}))
    for name, _ in indexes:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    raw = conn.connection.driver_connection
    dialect = conn.dialect

    def copy(table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = [table.c[key] for key in rows[0]]
        processors = [c.type.bind_processor(dialect) for c in columns]
        listed = ", ".join(f'"{c.name}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({listed}) FROM STDIN') as out:
            for row in rows:
                out.write_row([p(v) if p else v for p, v in zip(processors, row.values(), strict=True)])

    yield copy
    conn.execute(sa.text("SET LOCAL maintenance_work_mem = '1GB'"))
    for _, definition in indexes:
        conn.execute(sa.text(definition))
    for table in tables:
        if "id" in table.c and table.c.id.autoincrement:
            last = f'(SELECT max(id) FROM "{table.name}")'  # noqa: S608 (our own table names)
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {last})"))


def generate(url: str, n: int, seed: int = 20261207, *, texts: list[tuple[str, str]] | None = None,
             callers: int = 0) -> dict[str, Any]:
    """Bulk-write ``n`` orders (and their lead assignments and search text); returns what was
    written. ``texts``: (title, content) pairs the orders take in turn (default: one fixed
    text); ``callers``: citizens with phones, who filed 60 % of the orders (0: none)."""
    import sqlalchemy as sa

    from hotline.citizen.models import Citizen
    from hotline.kit import crypto, grams
    from hotline.org.models import Category, Channel, Region, RegionLevel, Unit, UnitKind
    from hotline.workorder.lifecycle import Status
    from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, OrderText, WorkOrder

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
    now = dt.datetime.now(dt.UTC)
    rng.shuffle(leaves)
    rng.shuffle(towns)
    cat_weights = [1 / (i + 1) ** 0.9 for i in range(len(leaves))]
    town_weights = [1 / (i + 1) ** 0.6 for i in range(len(towns))]
    channel_weights = [60, 15, 10, 10, 5, 3, 2, 1, 1, 1][:len(channels)] + [1] * max(0, len(channels) - 10)
    types, type_weights = ["complaint", "help", "consultation", "report", "suggestion", "praise"], [35, 25, 25, 7, 6, 2]
    all_departments = [u for us in departments.values() for u in us]
    numbers: dict[str, int] = {}
    wo_table, asg_table, text_table = WorkOrder.__table__, Assignment.__table__, OrderText.__table__
    texts = texts or [("小区路灯不亮", "路灯坏了很久没人修，晚上出行不便。")]
    documents = [grams.document(title, content) for title, content in texts]
    citizen_ids: list[int] = []
    if callers:
        cipher = crypto.cipher()
        citizen_table = Citizen.__table__
        with engine.begin() as conn, _bulk(conn, [citizen_table]) as write:
            first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Citizen.id), 0))).scalar_one() + 1
            batch = []
            for k in range(callers):
                phone = f"139{k:08d}"
                batch.append({"id": first + k, "ref": f"{first + k:032x}", "region_id": None, "name": None,
                              "phone": cipher.encrypt(phone), "phone_hash": cipher.blind_index(phone),
                              "id_number": None, "id_number_hash": None, "address": None, "note": None,
                              "created_by_id": None, "created_at": now, "updated_at": now, "version": 1})
                if len(batch) >= CHUNK:
                    write(citizen_table, batch)
                    batch = []
            write(citizen_table, batch)
        citizen_ids = list(range(first, first + callers))
    order_id = start_id
    stats = {"closed": 0, "open": 0, "enterprise": 0}
    cat_pick = rng.choices(leaves, cat_weights, k=n)
    town_pick = rng.choices(towns, town_weights, k=n)
    with engine.begin() as conn, _bulk(conn, [wo_table, asg_table, text_table]) as write:
        rows: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        text_rows: list[dict[str, Any]] = []
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
                "title": texts[i % len(texts)][0], "content": texts[i % len(texts)][1],
                "citizen_id": rng.choice(citizen_ids) if citizen_ids and rng.random() < 0.6 else None,
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
            text_rows.append({"work_order_id": order_id, "terms": documents[i % len(documents)]})
            order_id += 1
            if len(rows) >= CHUNK:
                write(wo_table, rows)
                write(asg_table, assignments)
                write(text_table, text_rows)
                rows, assignments, text_rows = [], [], []
        write(wo_table, rows)
        write(text_table, text_rows)
        write(asg_table, assignments)
        # duplicates merged into the order before them (2 %)
        merged_ids = [oid for oid in range(start_id + 1, order_id) if rng.random() < 0.02]
        stats["merged"] = len(merged_ids)
        for k in range(0, len(merged_ids), CHUNK):
            part = merged_ids[k:k + CHUNK]
            conn.execute(sa.update(wo_table).where(wo_table.c.id == sa.bindparam("oid")).values(
                merged_into_id=sa.bindparam("main")), [{"oid": m, "main": m - 1} for m in part])
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # this schema's tables only (a bare VACUUM takes every schema's)
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
            conn.execute(sa.text("VACUUM ANALYZE " + ", ".join(f'"{t}"' for t in tables.scalars())))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return stats
