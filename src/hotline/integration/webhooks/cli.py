"""``hotline webhooks``: the allow-list of targets and subscriptions from the command line (the
administrator's use cases of :mod:`hotline.integration.webhooks.service`, as on the page and
through the API), for operators setting up a department's receiver."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hotline.config import Settings


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def cmd_target_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.webhooks import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        target = service.add_target(session, _principal_for(session, args.as_user), pattern=args.pattern,
                                    allow_http=args.http, note=args.note)
        pattern, ref = target.pattern, target.ref
    print(f"已加入推送白名单：{pattern}{'（允许 http）' if args.http else ''}，编号 {ref}")
    return 0


def cmd_target_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.webhooks import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        rows = [(t.ref, t.pattern, t.allow_http, t.note or "")
                for t in service.list_targets(session, _principal_for(session, args.as_user))]
    for ref, pattern, allow_http, note in rows:
        print(f"{ref}\t{pattern}\t{'http+https' if allow_http else 'https'}\t{note}")
    return 0


def cmd_subscription_add(settings: Settings, args: argparse.Namespace) -> int:
    """A subscription; its signing secret alone is the last line printed (shown this once)."""
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.webhooks import service
    from hotline.kit.db import transaction

    data = service.SubscriptionData(name=args.name, url=args.url, event_types=_split(args.events), owner=args.owner,
                                    region_codes=_split(args.regions), category_codes=_split(args.categories),
                                    algorithm=args.algorithm)
    with transaction(_session_factory(settings)) as session:
        subscription, secret = service.create_subscription(session, _principal_for(session, args.as_user), data)
        ref = subscription.ref
    print(f"已创建推送订阅 {ref}“{args.name}”，接收账号 {args.owner}。签名密钥只显示这一次，请配置到接收方：")
    print(secret)
    return 0


def cmd_subscription_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.webhooks import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        rows: list[dict[str, Any]] = [
            {"ref": s.ref, "name": s.name, "url": s.url, "state": s.state, "event_types": s.event_types,
             "failure_streak": s.failure_streak}
            for s in service.list_subscriptions(session, _principal_for(session, args.as_user))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['ref']}\t{r['name']}\t{r['state']}\t{r['url']}\t{','.join(r['event_types'])}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    webhooks = sub.add_parser("webhooks", help="push to departments: allow-list and subscriptions").add_subparsers(
        dest="webhooks_command", required=True)
    target = webhooks.add_parser("target", help="the allow-list of receiving hosts and networks").add_subparsers(
        dest="target_command", required=True)
    p = target.add_parser("add", help="allow a host, *.domain, IP address or network (province administrator)")
    p.add_argument("pattern")
    p.add_argument("--http", action="store_true", help="also allow plain http (e.g. loopback receivers)")
    p.add_argument("--note")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_target_add)
    p = target.add_parser("list")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_target_list)
    subscription = webhooks.add_parser("subscription", help="subscriptions").add_subparsers(
        dest="subscription_command", required=True)
    p = subscription.add_parser("add", help="subscribe a URL; the signing secret alone is printed on the last line")
    p.add_argument("--name", required=True)
    p.add_argument("--owner", required=True, help="username of the receiving account (its scope and masking apply)")
    p.add_argument("--url", required=True)
    p.add_argument("--events", required=True, help="comma-separated event types, e.g. order.created,order.replied")
    p.add_argument("--regions", help="comma-separated region codes (default: every region the owner sees)")
    p.add_argument("--categories", help="comma-separated category codes")
    p.add_argument("--algorithm", default="hmac-sha256", help="hmac-sha256 | hmac-sm3")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_subscription_add)
    p = subscription.add_parser("list")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_subscription_list)
