"""``hotline merchants``: the service-merchant register from the command line — list with
evaluations, register (e.g. from a vetted list), and run the adjustment rule — the managers'
use cases of :mod:`hotline.integration.merchants.service`, as on the page and through the API.
Reviews and status changes stay on the page or the API, where a second person acts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hotline.config import Settings


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace("，", ",").split(",") if v.strip()]


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.merchants import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        principal = _principal_for(session, args.as_user)
        rows = service.list_merchants(session, principal, status=args.status, service_type=args.service_type)
        figures = service.evaluations(session, rows)
        out: list[dict[str, Any]] = [{"ref": m.ref, "name": m.name, "status": m.status,
                                      "service_types": m.service_types, "area_codes": m.area_codes,
                                      "business_phone": m.business_phone, **figures[m.id].as_dict()} for m in rows]
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for r in out:
        sat = "—" if r["satisfaction"] is None else f"{r['satisfaction'] * 100:.0f}%"
        print(f"{r['ref']}\t{r['name']}\t{r['status']}\t{','.join(r['service_types'])}\t"
              f"转介 {r['referrals']}\t满意率 {sat}\t投诉 {r['complaints']}")
    return 0


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.merchants import service
    from hotline.kit.db import transaction

    data = service.MerchantData(name=args.name, uscc=args.uscc, service_types=_split(args.services),
                                area_codes=_split(args.areas), business_phone=args.phone,
                                contact_name=args.contact, contact_phone=args.contact_phone, address=args.address,
                                description=args.description)
    with transaction(_session_factory(settings)) as session:
        m = service.register(session, _principal_for(session, args.as_user), data)
        ref, name = m.ref, m.name
    print(f"已登记服务企业 {ref}“{name}”（待审核，须由另一位管理人员审核准入）")
    return 0


def cmd_run_rule(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.merchants import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        service.require_manager(_principal_for(session, args.as_user))
        raised = [(p.action, p.reason) for p in service.raise_proposals(session)]
    print(f"动态调整规则提出 {len(raised)} 条建议")
    for action, reason in raised:
        print(f"{action}\t{reason}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    merchants = sub.add_parser("merchants", help="service merchants (社会化服务企业): register, list, adjustment rule"
                               ).add_subparsers(dest="merchants_command", required=True)
    p = merchants.add_parser("list", help="the register with each merchant's evaluation")
    p.add_argument("--status")
    p.add_argument("--service-type", dest="service_type")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_list)
    p = merchants.add_parser("add", help="register a merchant (applied; another manager admits it)")
    p.add_argument("--name", required=True)
    p.add_argument("--uscc", required=True, help="统一社会信用代码")
    p.add_argument("--services", required=True, help="comma-separated service types, e.g. moving,locksmith")
    p.add_argument("--areas", required=True, help="comma-separated region codes served")
    p.add_argument("--phone", required=True, help="the business number the merchant publishes")
    p.add_argument("--contact", required=True, help="contact person")
    p.add_argument("--contact-phone", dest="contact_phone", required=True)
    p.add_argument("--address")
    p.add_argument("--description")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_add)
    p = merchants.add_parser("run-rule", help="run the dynamic adjustment rule now (proposals only)")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_run_rule)
