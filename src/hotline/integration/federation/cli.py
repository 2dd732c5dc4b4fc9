"""``hotline federation``: peer platforms from the command line — add (the key exchange),
list, change the open categories and contact policy, disable/enable, remove, and check a
peer with a signed ping. The administrator's use cases of
:mod:`hotline.integration.federation.service`, as on the page and through the API.

The key exchange (docs/federation.md): the first side runs ``peer add --name B --url URL_OF_B``
and gets a key id and a secret; the other side runs ``peer add --name A --url URL_OF_A
--key-id … --secret …`` with them. ``peer check`` on either side then proves the pair."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hotline.config import Settings


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def cmd_peer_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.federation import service
    from hotline.kit.db import transaction

    data = service.PeerData(name=args.name, url=args.url, display_name=args.display_name, key_id=args.key_id,
                            secret=args.secret, contact_policy=args.contact,
                            category_codes=_split(args.categories))
    with transaction(_session_factory(settings)) as session:
        peer, secret = service.add_peer(session, _principal_for(session, args.as_user), data)
        name, key_id = peer.name, peer.key_id
    print(f"已添加互派平台 {name}（{args.url}），密钥编号 {key_id}。")
    if secret is not None:
        print("请把下面的密钥编号和密钥交给对方平台的管理员（只显示这一次），对方执行：")
        print("  hotline federation peer add --name <本平台代号> --url <本平台地址> "
              f"--key-id {key_id} --secret {secret}")
        print(f"key_id={key_id}")
        print(f"secret={secret}")
    else:
        print("配对完成。可执行 hotline federation peer check --name " + name + " 验证。")
    return 0


def cmd_peer_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.federation import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        counts = service.message_counts(session)
        rows: list[dict[str, Any]] = [{"name": p.name, "display_name": p.display_name, "url": p.url, "state": p.state,
                 "key_id": p.key_id, "contact_policy": p.contact_policy, "category_codes": p.category_codes,
                 "pending": counts.get((p.id, "pending"), 0), "failed": counts.get((p.id, "failed"), 0)}
                for p in service.list_peers(session, _principal_for(session, args.as_user))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['name']}\t{r['display_name']}\t{r['state']}\t{r['url']}\t{r['contact_policy']}\t"
              f"{','.join(r['category_codes']) or '全部分类'}\t待送达 {r['pending']}\t失败 {r['failed']}")
    return 0


def cmd_peer_set(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.federation import service
    from hotline.kit.db import transaction

    state = "disabled" if args.disable else "active" if args.enable else None
    with transaction(_session_factory(settings)) as session:
        actor = _principal_for(session, args.as_user)
        peer = service.access_peer(session, actor, args.name)
        service.update_peer(session, actor, peer, version=None, url=args.url, display_name=args.display_name,
                            contact_policy=args.contact,
                            category_codes=_split(args.categories) if args.categories is not None else None,
                            state=state)
    print(f"已修改互派平台 {args.name}")
    return 0


def cmd_peer_remove(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _principal_for, _session_factory
    from hotline.integration.federation import service
    from hotline.kit.db import transaction

    with transaction(_session_factory(settings)) as session:
        actor = _principal_for(session, args.as_user)
        service.remove_peer(session, actor, service.access_peer(session, actor, args.name))
    print(f"已删除互派平台 {args.name}")
    return 0


def cmd_peer_check(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.cli import _session_factory
    from hotline.integration.federation import tasks

    ok, text = tasks.ping(_session_factory(settings), args.name)
    print(("连接正常：" if ok else "连接失败：") + text)
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    federation = sub.add_parser("federation", help="cross-city transfer: peer platforms").add_subparsers(
        dest="federation_command", required=True)
    peer = federation.add_parser("peer", help="peer platforms").add_subparsers(dest="peer_command", required=True)
    p = peer.add_parser("add", help="add a peer; without --key-id/--secret the pair's key is made and printed")
    p.add_argument("--name", required=True, help="short code of the peer (lower case), e.g. luzhou")
    p.add_argument("--url", required=True, help="the peer platform's base URL")
    p.add_argument("--display-name", help="its name as shown (e.g. 泸州市)")
    p.add_argument("--key-id", help="the key id the peer printed when it added this platform")
    p.add_argument("--secret", help="the secret the peer printed")
    p.add_argument("--contact", default="masked", help="full | masked: the caller's contact sent with a transfer")
    p.add_argument("--categories", help="comma-separated category codes open for mutual dispatch (default: all)")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_peer_add)
    p = peer.add_parser("list")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_peer_list)
    p = peer.add_parser("set", help="change a peer: address, categories, contact policy, --disable / --enable")
    p.add_argument("--name", required=True)
    p.add_argument("--url")
    p.add_argument("--display-name")
    p.add_argument("--contact")
    p.add_argument("--categories", help="comma-separated category codes ('' for all)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--disable", action="store_true")
    group.add_argument("--enable", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_peer_set)
    p = peer.add_parser("remove", help="remove a peer that never exchanged an order (else: set --disable)")
    p.add_argument("--name", required=True)
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_peer_remove)
    p = peer.add_parser("check", help="a signed ping to the peer: proves the address and the pair's key")
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_peer_check)
