"""``hotline cti``: CTI keys, seats and queues (the administrator's use cases of
:mod:`hotline.telephony.admin`), ``simulate`` (a realistic call stream posted to a running
platform) and ``bridge-freeswitch`` (FreeSWITCH's event socket → the call-event interface)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from typing import Any

from hotline.config import Settings


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from hotline.cli import _session_factory

    return _session_factory(settings)


def _at(value: dt.datetime | None) -> str:
    from hotline.kit.clock import CST

    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else "—"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- keys ---------------------------------------------------------------------------------------


def cmd_key_create(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a CTI key; the token alone is the last line printed (shown this once)."""
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        plaintext, row = admin.issue_key(session, _principal_for(session, args.as_user), name=args.name,
                                         unit_code=args.unit)
    print(f"已签发呼叫中心接口密钥 #{row.id}“{row.name}”，接口账号 {row.account}（{row.unit_name}）。"
          "密钥只显示这一次，请立即配置到交换机或对接程序：")
    print(plaintext)
    return 0


def cmd_key_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        rows = admin.list_keys(session, _principal_for(session, args.as_user))
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "hint": r.hint, "account": r.account, "unit": r.unit,
                           "created_at": _iso(r.created_at), "last_used_at": _iso(r.last_used_at),
                           "revoked_at": _iso(r.revoked_at)} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        state = f"已吊销 {_at(r.revoked_at)}" if r.revoked_at else "有效"
        print(f"#{r.id}\t{r.hint}…\t{r.name}\t{r.account}\t签发 {_at(r.created_at)}\t最近使用 {_at(r.last_used_at)}"
              f"\t{state}")
    return 0


def cmd_key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        row = admin.revoke_key(session, _principal_for(session, args.as_user), args.id)
    print(f"已吊销呼叫中心接口密钥 #{row.id}“{row.name}”")
    return 0


# --- seats and queues ---------------------------------------------------------------------------


def cmd_seat_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        seat = admin.add_seat(session, _principal_for(session, args.as_user), code=args.code, kind=args.kind,
                              region_code=args.region, unit_code=args.unit, operator=args.operator)
        code, kind = seat.code, seat.kind
    print(f"已添加坐席 {code}（{kind}）")
    return 0


def cmd_seat_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        rows = admin.list_seats(session, _principal_for(session, args.as_user))
    if args.json:
        print(json.dumps([{**r.__dict__, "state_since": _iso(r.state_since)} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.code}\t{r.kind}\t{r.region}\t{r.unit or '—'}\t{r.operator or '—'}\t{r.agent or '—'}\t{r.state}"
              f"\t{'启用' if r.active else '已停用'}")
    return 0


def cmd_seat_deactivate(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        actor = _principal_for(session, args.as_user)
        seat = admin.get_seat(session, actor, args.code)
        admin.update_seat(session, actor, seat, active=False)
    print(f"已停用坐席 {args.code}")
    return 0


def cmd_queue_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        rows = [(r.queue.id, r.region, r.queue.name, r.queue.kind, r.queue.label, r.queue.created_at)
                for r in admin.list_queues(session, _principal_for(session, args.as_user))]
    if args.json:
        print(json.dumps([{"id": i, "region": reg, "name": n, "kind": k, "label": lab, "created_at": _iso(c)}
                          for i, reg, n, k, lab, c in rows], ensure_ascii=False))
        return 0
    for i, reg, n, k, lab, c in rows:
        print(f"#{i}\t{reg}\t{n}\t{k}\t{lab or '—'}\t{_at(c)}")
    return 0


def cmd_queue_set(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.telephony import admin

    with transaction(_factory(settings)) as session:
        queue = admin.put_queue(session, _principal_for(session, args.as_user), name=args.name, kind=args.kind,
                                label=args.label, region_code=args.region)
        name, kind, label = queue.name, queue.kind, queue.label
    print(f"队列 {name}：技能组 {kind}，显示名称 {label or '—'}")
    return 0


# --- the statistics rollup -----------------------------------------------------------------------

def cmd_rollup(settings: Settings, args: argparse.Namespace) -> int:
    """Bring the call statistics' hourly rollup up to date now (the worker does it every
    minute); ``--rebuild`` drops it and aggregates every hour again — after a migration that
    reset it, run in a quiet hour: on SQLite it holds the write lock while it runs."""
    import time

    from hotline.kit.db import transaction
    from hotline.telephony.stats import service as stats_service

    started = time.monotonic()
    with transaction(_factory(settings)) as session:
        result = stats_service.rollup(session, rebuild=args.rebuild)
    print(json.dumps({"rebuild": args.rebuild, "call_hours": result.call_hours, "wrap_hours": result.wrap_hours,
                      "position": _iso(result.position), "seconds": round(time.monotonic() - started, 1)}))
    return 0


# --- simulate -----------------------------------------------------------------------------------


def _seat_arg(value: str) -> list[str]:
    codes = [c.strip() for c in value.split(",") if c.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("give seat codes separated by commas, e.g. S001,S002,E001")
    return codes


def _seats_from_database(settings: Settings) -> dict[str, str]:
    """Seat code → kind of the active seats, read from this machine's database."""
    from sqlalchemy import select

    from hotline.kit.db import transaction
    from hotline.telephony.models import Seat

    with transaction(_factory(settings)) as session:
        return {code: kind for code, kind in session.execute(
            select(Seat.code, Seat.kind).where(Seat.active.is_(True)).order_by(Seat.code))}


def run_stream(poster: Any, batches: list[tuple[dt.datetime, list[dict[str, Any]]]], *,
               now: Any = None, sleep: Any = time.sleep, stop: Any = None) -> None:
    """Post each batch when it is due (in real time), until done or ``stop`` is set."""
    from hotline.kit import clock

    now = now or clock.now
    for due, batch in batches:
        if stop is not None and stop.is_set():
            return
        wait = (due - now()).total_seconds()
        if wait > 0:
            if stop is not None:
                if stop.wait(wait):
                    return
            else:
                sleep(wait)
        poster.post(batch)


def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.kit import clock
    from hotline.telephony import simulate
    from hotline.telephony.bridges.poster import EventPoster, Refused

    key = args.key or os.environ.get("HOTLINE_CTI_KEY")
    if not key:
        print("错误：请用 --key 或环境变量 HOTLINE_CTI_KEY 给出呼叫中心接口密钥（hotline cti key create）",
              file=sys.stderr)
        return 2
    kinds: dict[str, str] = {}
    if args.seats:
        codes = args.seats
    else:
        kinds = _seats_from_database(settings)
        codes = list(kinds)
        if not codes:
            print("错误：数据库中没有启用的坐席；请先 hotline cti seat add，或用 --seats 给出坐席号", file=sys.stderr)
            return 2
    try:
        seats = simulate.Seats.of(codes, kinds)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    start = clock.now() + dt.timedelta(seconds=0.5)
    prefix = args.prefix or f"sim-{start.strftime('%Y%m%d%H%M%S')}-{os.getpid() % 10000:04d}"
    planned, summary = simulate.plan(args.calls, args.rate, start=start, seats=seats, seed=args.seed,
                                     speed=args.speed, prefix=prefix)
    url = args.url or f"http://{settings.host}:{settings.port}"
    poster = EventPoster(url, key)
    began = time.monotonic()
    status = 0
    error = None
    try:
        run_stream(poster, simulate.batches(planned, size=args.batch))
    except (Refused, OSError) as exc:
        error, status = str(exc), 2
    except KeyboardInterrupt:
        error, status = "interrupted", 130
    finally:
        poster.close()
    print(json.dumps({"url": url, "prefix": prefix, "seats": len(codes), "plan": summary.as_json(),
                      "sent": poster.totals.as_json(), "seconds": round(time.monotonic() - began, 2),
                      "error": error}, ensure_ascii=False))
    return status


# --- FreeSWITCH bridge --------------------------------------------------------------------------


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()):
        raise argparse.ArgumentTypeError("HOST:PORT, e.g. 127.0.0.1:8021")
    return host or "127.0.0.1", int(port)


def cmd_bridge_freeswitch(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.telephony.bridges.freeswitch import Bridge, Mapper
    from hotline.telephony.bridges.poster import EventPoster

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    key = args.key or os.environ.get("HOTLINE_CTI_KEY")
    if not key:
        print("错误：请用 --key 或环境变量 HOTLINE_CTI_KEY 给出呼叫中心接口密钥", file=sys.stderr)
        return 2
    seats = dict(pair.split("=", 1) for pair in args.seat_map.split(",") if "=" in pair) if args.seat_map else {}
    host, port = args.esl
    password = args.password or os.environ.get("HOTLINE_ESL_PASSWORD", "ClueCon")
    poster = EventPoster(args.url or f"http://{settings.host}:{settings.port}", key)
    bridge = Bridge(host, port, password, poster,
                    mapper=Mapper(seats=seats, recording_var=args.recording_var, recording_base=args.recording_base))
    try:
        bridge.run(once=args.once)
    except KeyboardInterrupt:
        bridge.stop()
    finally:
        poster.close()
    print(json.dumps({"esl_events": bridge.esl_events, "sent": poster.totals.as_json(), "errors": bridge.errors[:20]},
                     ensure_ascii=False))
    return 0 if not bridge.errors else 2


def register(sub: argparse._SubParsersAction) -> None:
    from hotline.cli import _positive

    cti = sub.add_parser("cti", help="telephony: CTI keys, seats, queues, simulate, PBX bridges").add_subparsers(
        dest="cti_command", required=True)
    key = cti.add_parser("key", help="API keys of PBXs (CTI service accounts)").add_subparsers(
        dest="key_command", required=True)
    p = key.add_parser("create", help="issue a key; the token alone is printed on the last line")
    p.add_argument("--name", required=True, help="the PBX or bridge using it, e.g. 青川市中心 FreeSWITCH")
    p.add_argument("--unit", help="unit code of the centre whose PBX posts (default: the acting admin's centre)")
    p.add_argument("--as", dest="as_user", default="admin", help="acting administrator")
    p.set_defaults(func=cmd_key_create)
    p = key.add_parser("list", help="every key: id, name, account, created, last used, revoked")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_key_list)
    p = key.add_parser("revoke", help="revoke a key by its number (see key list)")
    p.add_argument("id", type=_positive)
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_key_revoke)

    seat = cti.add_parser("seat", help="seats of the PBX").add_subparsers(dest="seat_command", required=True)
    p = seat.add_parser("add", help="add a seat")
    p.add_argument("code")
    p.add_argument("--kind", default="general", help="general | enterprise | expert")
    p.add_argument("--region", help="region code (default: the acting admin's region)")
    p.add_argument("--unit", help="unit code of an expert seat's department")
    p.add_argument("--operator", help="outsourced operator staffing the seat")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_seat_add)
    p = seat.add_parser("list", help="the seats, their agents and states")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_seat_list)
    p = seat.add_parser("deactivate", help="deactivate a seat (its agent is logged out)")
    p.add_argument("code")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_seat_deactivate)

    queue = cti.add_parser("queue", help="queues (skill groups)").add_subparsers(dest="queue_command",
                                                                                required=True)
    p = queue.add_parser("list", help="the queues the PBXs named")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_queue_list)
    p = queue.add_parser("set", help="map a queue name to a skill group (made if the PBX never sent it)")
    p.add_argument("name")
    p.add_argument("--kind", help="general | enterprise | expert")
    p.add_argument("--label", help="its Chinese name, e.g. 企业专线")
    p.add_argument("--region", help="the region of the centre whose PBX names the queue (default: the user's)")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_queue_set)

    p = cti.add_parser("rollup", help="bring the call statistics' rollup up to date now; prints JSON")
    p.add_argument("--rebuild", action="store_true", help="drop the rollup and aggregate every hour again")
    p.set_defaults(func=cmd_rollup)

    p = cti.add_parser("simulate", help="play a realistic call stream into a running platform; prints JSON")
    p.add_argument("--calls", type=_positive, default=100)
    p.add_argument("--rate", type=float, default=0.5, help="calls per second (default 0.5)")
    p.add_argument("--url", help="the platform (default http://HOST:PORT of the settings)")
    p.add_argument("--key", help="CTI key (default: $HOTLINE_CTI_KEY)")
    p.add_argument("--seats", type=_seat_arg,
                   help="seat codes S001,S002,E001,X001 (E… enterprise, X… expert; default: the active seats "
                        "in this machine's database)")
    p.add_argument("--seed", type=int, help="random seed (the same stream every run)")
    p.add_argument("--speed", type=float, default=10.0, help="durations divided by this (default 10)")
    p.add_argument("--batch", type=_positive, default=20, help="events per request at most (default 20)")
    p.add_argument("--prefix", help="call id prefix (default sim-<time>-<pid>)")
    p.set_defaults(func=cmd_simulate)

    p = cti.add_parser("bridge-freeswitch", help="FreeSWITCH event socket (ESL) → the call-event interface")
    p.add_argument("--esl", type=_host_port, default=("127.0.0.1", 8021), help="HOST:PORT (default 127.0.0.1:8021)")
    p.add_argument("--password", help="ESL password (default: $HOTLINE_ESL_PASSWORD or ClueCon)")
    p.add_argument("--url", help="the platform (default http://HOST:PORT of the settings)")
    p.add_argument("--key", help="CTI key (default: $HOTLINE_CTI_KEY)")
    p.add_argument("--seat-map", help="agent=seat pairs when callcenter agent names are not seat codes")
    p.add_argument("--recording-var", default="recording_url", help="channel variable holding the recording")
    p.add_argument("--recording-base", help="https base prefixed to a recording path")
    p.add_argument("--once", action="store_true", help="stop when the event socket closes (no reconnect)")
    p.set_defaults(func=cmd_bridge_freeswitch, offline=True)
