"""Duplicate lookup at provincial scale, and how well it finds planted duplicates.

    python bench/dedup.py [--orders 1000000] [--probes 500] [--database-url postgresql+psycopg://…]

Starts its own platform (fresh database, demo province), adds 120 townships to each county (about
1,500 in all, a real province's order of magnitude; the demo has a few dozen), then writes
``--orders`` work orders of the last 30 days straight into the database in bulk: each about a
matter (an issue at a street address in a township: 幸福路 18 号的路灯不亮), worded by one of
several templates, filed by one of ``orders / 10`` citizens (most orders) under the issue's
category. Then, through ``POST /api/v1/intelligence/duplicates`` one after another:

* ``--probes`` planted duplicates: an existing order's matter in other words, by the same caller
  (half of them) or by a neighbour, one in ten filed under another category;
* as many new appeals: another issue at the same address, or the same issue at another street
  of the same township — none has a duplicate.

The lookups are made by a province-level agent (an account the benchmark adds), who may see
every order: the lookup only ever reads orders its caller may see.

Prints one JSON object as its last line: ``p50_ms``, ``p95_ms`` of the lookups; ``recall``: the
planted duplicates whose original matter is among the five results; ``precision``: of the
lookups that returned anything, the share whose first result is the same matter."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Client, instance, percentile, report

DAYS = 30
AGENT, PASSWORD = "bench_agent", "hotline2026-bench"
CHUNK = 20_000
TOWNS_PER_COUNTY = 120
STREETS = ["幸福路", "人民路", "解放路", "建设路", "中山路", "和平街", "胜利路", "光明街", "新华路", "文化路",
           "朝阳路", "长江路", "黄河路", "友谊路", "团结街", "民主路", "青年路", "公园路", "学府路", "滨江路",
           "东风路", "迎宾大道", "工业园路", "花园街", "槐树巷", "柳林巷", "桃源路", "翠湖路", "春晓路", "金桂路"]
ISSUES = [
    ["{s}{n}号门口的路灯不亮{d}了", "{s}{n}号附近路灯坏了，晚上一片漆黑", "请修一下{s}{n}号旁边不亮的路灯"],
    ["{s}{n}号的井盖丢了，很危险", "{s}{n}号门前井盖缺失{d}，有人差点掉下去", "{s}{n}号那里没有井盖，请尽快补上"],
    ["{s}{n}号小区停水{d}，没有任何通知", "{s}{n}号一直没有自来水", "{s}{n}号停水了，什么时候恢复供水"],
    ["{s}{n}号旁边的工地夜间施工噪音扰民", "{s}{n}号附近工地晚上还在施工，吵得睡不着", "投诉{s}{n}号工地半夜施工"],
    ["{s}{n}号楼下的餐馆油烟太大", "{s}{n}号餐馆油烟直排，熏得不能开窗", "{s}{n}号饭店油烟扰民{d}了"],
    ["{s}{n}号的垃圾堆了{d}没人清运", "{s}{n}号垃圾没人收，臭气熏天", "请清理{s}{n}号堆积的垃圾"],
    ["{s}{n}号路面塌陷{d}，车辆绕行", "{s}{n}号马路塌了一个坑", "{s}{n}号路面有个大坑，请修补"],
    ["{s}{n}号电梯经常困人", "{s}{n}号的电梯{d}坏了好几次，把人困在里面", "{s}{n}号电梯故障，请物业维修"],
    ["{s}{n}号门口占道经营堵塞交通", "{s}{n}号附近摊贩占道，行人没法走", "{s}{n}号占道摆摊{d}，请城管处理"],
    ["{s}{n}号违章搭建，挡住采光", "{s}{n}号有人私搭乱建", "举报{s}{n}号楼顶违建"],
    ["{s}{n}号暖气不热{d}", "{s}{n}号供暖温度不达标，家里很冷", "{s}{n}号暖气片冰凉"],
    ["{s}{n}号的公交站牌被撞坏了", "{s}{n}号公交站的站牌倒了", "{s}{n}号站牌损坏{d}没人管"],
]
DURATIONS = ["一周", "半个月", "好几天", "三天", "一个月", "很久"]


def generate(url: str, n: int, seed: int = 11) -> tuple[dict[str, Any], dict[str, Any]]:
    """Townships, citizens and ``n`` orders; returns what the probes need: the matters, the
    orders' numbers by matter, the citizens' phones."""
    import sqlalchemy as sa

    from hotline.citizen.models import Citizen
    from hotline.cli import _session_factory
    from hotline.config import get_settings
    from hotline.kit.db import transaction
    from hotline.org.models import Category, Channel, Region, RegionLevel, Unit, UnitKind
    from hotline.workorder.lifecycle import Status
    from hotline.workorder.models import WorkOrder

    rng = random.Random(seed)
    factory = _session_factory(get_settings())  # personal data keys: citizens' phones are encrypted
    engine = sa.create_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        counties = [tuple(r) for r in conn.execute(sa.select(Region.id, Region.code, Region.name).where(
            Region.level == RegionLevel.county))]
        next_id = int(conn.execute(sa.select(sa.func.max(Region.id))).scalar_one()) + 1
        towns = []
        for county_id, code, name in counties:
            for k in range(101, 101 + TOWNS_PER_COUNTY):
                towns.append({"id": next_id, "code": f"{code}{k:03d}", "name": f"{name[:-1]}第{k}街道",
                              "short_name": None, "level": RegionLevel.township, "parent_id": county_id,
                              "active": True})
                next_id += 1
        conn.execute(sa.insert(Region.__table__), towns)
        town_ids = [t["id"] for t in towns] + list(conn.execute(sa.select(Region.id).where(
            Region.level == RegionLevel.township, Region.id < towns[0]["id"])).scalars())
        codes = dict(conn.execute(sa.select(Region.id, Region.code).where(Region.level == RegionLevel.township)).all())
        categories = list(conn.execute(sa.select(Category.id, Category.code).where(Category.level == 3)).all())
        channels = list(conn.execute(sa.select(Channel.id)).scalars())
        centre = conn.execute(sa.select(Unit.id).where(Unit.kind == UnitKind.hotline_centre)).scalars().first()
        order_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(WorkOrder.id), 0))).scalar_one()) + 1
    issue_category = [rng.choice(categories) for _ in ISSUES]
    citizens = max(100, n // 10)
    phones = [f"139{i:08d}" for i in range(citizens)]
    citizen_ids: list[int] = []
    from hotline.citizen import service as citizen_service

    for start in range(0, citizens, CHUNK):
        with transaction(factory) as session:
            rows = [{"phone": p, "phone_hash": citizen_service.phone_hash(p), "name": None, "created_by_id": None,
                     "created_at": now, "updated_at": now, "version": 1} for p in phones[start:start + CHUNK]]
            session.execute(sa.insert(Citizen), rows)
    with engine.connect() as conn:
        citizen_ids = list(conn.execute(sa.select(Citizen.id).order_by(Citizen.id)).scalars())[-citizens:]
    from hotline.auth import repository as auth_repository
    from hotline.auth import service as auth_service
    from hotline.auth.models import Role
    from hotline.auth.principal import Principal

    with transaction(factory) as session:  # the province's own agent sees every order
        admin = Principal.of(auth_repository.user_by_username(session, "admin"))
        agent = auth_service.create_user(session, admin, username=AGENT, display_name="省级话务员", role=Role.agent,
                                         unit_id=admin.unit_id, password=PASSWORD, phone="13700000000")
        agent.must_change_password = False
    matters: dict[int, tuple[int, str, int, int]] = {}  # order id → (issue, street, number, town)
    callers: dict[int, int | None] = {}
    numbers: dict[int, str] = {}
    seq = 0
    with engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        for _ in range(n):
            issue, street, number, town = (rng.randrange(len(ISSUES)), rng.choice(STREETS), rng.randint(1, 300),
                                           rng.choice(town_ids))
            caller = rng.randrange(citizens) if rng.random() < 0.8 else None
            text = rng.choice(ISSUES[issue]).format(s=street, n=number, d=rng.choice(DURATIONS))
            registered = now - dt.timedelta(seconds=rng.random() * DAYS * 86400)
            seq += 1
            number_text = f"HL{registered:%Y%m%d}{seq % 1_000_000:06d}"
            rows.append({
                "id": order_id, "number": number_text, "status": Status.registered, "channel_id": rng.choice(channels),
                "appeal_type": "complaint", "category_id": issue_category[issue][0], "region_id": town,
                "address": None, "title": text[:20], "content": text + "，希望有关部门尽快处理。",
                "citizen_id": citizen_ids[caller] if caller is not None else None, "is_confidential": False,
                "urgency": "normal", "is_enterprise": False, "enterprise_name": None, "uscc": None,
                "centre_unit_id": centre, "lead_unit_id": None, "created_by_id": None, "direct_rule_id": None,
                "answer": None, "registered_at": registered, "dispatched_at": None, "dispatch_seconds": None,
                "signed_at": None, "replied_at": None, "closed_at": None, "sign_due_at": None, "due_at": None,
                "due_covered": True, "due_soon_warned_at": None, "overdue_at": None, "return_count": 0,
                "unjustified_return_count": 0, "rehandle_count": 0, "dissatisfied_count": 0, "extension_count": 0,
                "supervision_flag": False, "supervision_reason": None, "final_result": None, "final_verdict": None,
                "version": 1, "merged_into_id": None})
            matters[order_id] = (issue, street, number, town)
            callers[order_id] = caller
            numbers[order_id] = number_text
            order_id += 1
            if len(rows) >= CHUNK:
                conn.execute(sa.insert(WorkOrder.__table__), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(WorkOrder.__table__), rows)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE work_order"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    engine.dispose()
    return ({"towns": len(town_ids), "citizens": citizens},
            {"matters": matters, "callers": callers, "numbers": numbers, "phones": phones, "codes": codes,
             "categories": issue_category, "all_categories": categories})


Matter = tuple[int, str, int, int]  # issue, street, house number, township


def probes(data: dict[str, Any], count: int, seed: int = 5) -> list[tuple[dict[str, Any], Matter | None]]:
    """Planted duplicates (with their matter) and new appeals (None), interleaved."""
    rng = random.Random(seed)
    matters, callers = data["matters"], data["callers"]
    known = set(matters.values())
    ids = list(matters)
    out: list[tuple[dict[str, Any], Matter | None]] = []
    for _ in range(count):
        original = rng.choice(ids)
        issue, street, number, town = matters[original]
        caller = callers[original] if rng.random() < 0.5 and callers[original] is not None else None
        text = rng.choice(ISSUES[issue]).format(s=street, n=number, d=rng.choice(DURATIONS))
        category = data["categories"][issue] if rng.random() < 0.9 else rng.choice(data["all_categories"])
        phone = data["phones"][caller] if caller is not None else f"137{rng.randrange(10**8):08d}"
        out.append(({"title": text[:20], "content": text, "phone": phone, "region_code": data["codes"][town],
                     "category_code": category[1]}, (issue, street, number, town)))
        while True:  # a new matter in the same township
            fresh = (rng.randrange(len(ISSUES)), rng.choice(STREETS), number if rng.random() < 0.5 else
                     rng.randint(1, 300), town)
            if fresh not in known:
                break
        text = rng.choice(ISSUES[fresh[0]]).format(s=fresh[1], n=fresh[2], d=rng.choice(DURATIONS))
        out.append(({"title": text[:20], "content": text, "phone": f"136{rng.randrange(10**8):08d}",
                     "region_code": data["codes"][town], "category_code": data["categories"][fresh[0]][1]}, None))
    return out


def login(port: int) -> dict[str, str]:
    """The benchmark agent's session cookie and CSRF header."""
    import json
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", method="POST",
                                 data=json.dumps({"username": AGENT, "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as response:  # noqa: S310 (loopback)
        return {"Cookie": response.headers["set-cookie"].split(";")[0],
                "X-CSRF-Token": json.load(response)["csrf_token"]}


async def ask(port: int, session: dict[str, str], bodies: list[dict[str, Any]]
              ) -> tuple[list[float], list[list[str]], int]:
    client = Client(port, "")
    latencies, answers, errors = [], [], 0
    for body in bodies:
        started = time.perf_counter()
        status, found = await client.request("POST", "/api/v1/intelligence/duplicates", body, session)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            errors += 1
            found = []
        answers.append([d["number"] for d in found or []])
    await client.close()
    return latencies, answers, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with instance(args.database_url, extra_env={"HOTLINE_INPROCESS_WORKER": "false"}) as inst:
        os.environ.update({k: v for k, v in inst.env.items() if k.startswith("HOTLINE_")})
        started = time.perf_counter()
        written, data = generate(inst.database_url, args.orders)
        build_s = time.perf_counter() - started
        planted = probes(data, args.probes)
        bodies = [b for b, _ in planted]
        session = login(inst.port)
        asyncio.run(ask(inst.port, session, bodies[:20]))  # warm-up
        latencies, answers, errors = asyncio.run(ask(inst.port, session, bodies))
    matter_of = {data["numbers"][i]: m for i, m in data["matters"].items()}
    duplicates = [(m, a) for (_, m), a in zip(planted, answers, strict=True) if m is not None]
    found = sum(1 for m, a in duplicates if any(matter_of.get(x) == m for x in a))
    answered = [(m, a) for (_, m), a in zip(planted, answers, strict=True) if a]
    right = sum(1 for m, a in answered if m is not None and matter_of.get(a[0]) == m)
    report({
        "benchmark": "dedup", "database": "postgresql" if args.database_url else "sqlite", "orders": args.orders,
        **written, "build_s": round(build_s, 1), "lookups": len(latencies), "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "planted": len(duplicates), "recall": round(found / max(1, len(duplicates)), 3),
        "precision": round(right / max(1, len(answered)), 3),
    })


if __name__ == "__main__":
    main()
