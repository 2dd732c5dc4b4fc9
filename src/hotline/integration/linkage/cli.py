"""``hotline linkage``: the register of lines and utility keys from the command line (the
administrator's use cases of :mod:`hotline.integration.linkage.service`, as through the API)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from hotline.config import Settings


def _at(value: dt.datetime | None) -> str:
    from hotline.kit import clock

    return value.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M") if value else "—"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def cmd_key_create(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a utility key; the token alone is the last line printed (shown this once)."""
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.linkage import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        plaintext, row = service.issue_key(session, _principal_for(session, args.as_user), unit_code=args.unit,
                                           name=args.name)
    print(f"已签发公共事业接口密钥 #{row.id}“{row.name}”，接口账号 {row.account}（{row.unit_name}）。"
          "该密钥只能查看、签收和答复本单位的工单；密钥只显示这一次，请立即配置到对方业务系统：")
    print(plaintext)
    return 0


def cmd_key_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.linkage import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        rows = service.list_keys(session, _principal_for(session, args.as_user))
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
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.linkage import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        row = service.revoke_key(session, _principal_for(session, args.as_user), args.id)
    print(f"已吊销公共事业接口密钥 #{row.id}“{row.name}”")
    return 0


def cmd_line_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.linkage import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        line = service.create_line(session, _principal_for(session, args.as_user), name=args.name,
                                   number=args.number, kind=args.kind, service=args.service,
                                   region_code=args.region, unit_code=args.unit)
        ref, number, region = line.ref, line.number, line.region.name
    print(f"已登记联动线路“{args.name}”（{number}，{region}），编号 {ref}")
    return 0


def cmd_line_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.linkage import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        rows = [{"ref": x.ref, "name": x.name, "number": x.number, "kind": x.kind, "service": x.service,
                 "region": x.region.code, "unit": x.unit.code if x.unit else None, "active": x.active}
                for x in service.list_lines(session, _principal_for(session, args.as_user))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['ref']}\t{r['number']}\t{r['name']}\t{r['kind']}/{r['service']}\t{r['region']}\t{r['unit'] or ''}"
              f"\t{'启用' if r['active'] else '停用'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from hotline.cli import _positive

    linkage = sub.add_parser("linkage", help="linkage with 110/119/120/122 and utilities: lines, utility keys"
                             ).add_subparsers(dest="linkage_command", required=True)
    key = linkage.add_parser("key", help="utility keys (API tokens of a utility's service account)").add_subparsers(
        dest="key_command", required=True)
    p = key.add_parser("create", help="issue a key; the token alone is printed on the last line")
    p.add_argument("--unit", required=True, help="the utility unit's code, e.g. 990100-wat")
    p.add_argument("--name", help="the system using it (default: the unit's business system)")
    p.add_argument("--as", dest="as_user", default="admin", help="acting administrator")
    p.set_defaults(func=cmd_key_create)
    p = key.add_parser("list", help="every utility key: id, name, account, created, last used, revoked")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_key_list)
    p = key.add_parser("revoke", help="revoke a key by its number (see key list)")
    p.add_argument("id", type=_positive)
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_key_revoke)
    line = linkage.add_parser("line", help="the register of linkage lines").add_subparsers(
        dest="line_command", required=True)
    p = line.add_parser("add", help="register a line")
    p.add_argument("--name", required=True)
    p.add_argument("--number", required=True, help="110, 95598, a landline with area code …")
    p.add_argument("--kind", required=True, help="emergency | utility")
    p.add_argument("--service", required=True,
                   help="police|fire|ambulance|traffic (emergency) or water|power|gas|heating|telecom (utility)")
    p.add_argument("--region", help="region code (default: the administrator's region)")
    p.add_argument("--unit", help="utility lines: the utility unit's code")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_line_add)
    p = line.add_parser("list", help="the lines the account sees")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_line_list)
