"""The ``hotline`` command: serve, worker, db, demo, user, audit, pii."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence

from hotline.config import Settings, get_settings


def _session_factory(settings: Settings):  # type: ignore[no-untyped-def]
    from hotline.kit import crypto
    from hotline.kit.db import make_engine, make_session_factory

    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    return make_session_factory(make_engine(settings.resolved_database_url))


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.kit import migrate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url, revision=args.revision)
    print(f"数据库已迁移到 {args.revision}")
    return 0


def cmd_db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.kit import migrate

    migrate.downgrade(settings.resolved_database_url, revision=args.revision)
    print(f"数据库已回退到 {args.revision}")
    return 0


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve the web application; each of ``workers`` processes runs its own in-process job
    worker when the database is SQLite (or ``HOTLINE_INPROCESS_WORKER`` says so)."""
    from hotline.app import configure_logging
    from hotline.web import server

    configure_logging(settings)
    server.serve(host, port, workers)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    serve(settings, args.host or settings.host, args.port or settings.port, args.workers or settings.web_workers)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.app import configure_logging
    from hotline.kit import jobs

    configure_logging(settings)
    factory = _session_factory(settings)
    jobs.run_worker(factory, once=args.once, poll_seconds=args.poll)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.auth import bootstrap
    from hotline.demo import data
    from hotline.kit import migrate
    from hotline.kit.db import transaction

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    factory = _session_factory(settings)
    with transaction(factory) as session:
        if bootstrap.is_empty(session):
            print("正在载入演示数据（示范省）……", flush=True)
            data.load(session)
    with transaction(factory) as session:
        token = data.issue_demo_token(session)
    port = args.port or settings.port
    host = settings.host
    print()
    print("=" * 72)
    print(f" 12345 政务服务便民热线平台（演示）  登录地址： http://{host}:{port}/login")
    print("=" * 72)
    from hotline.auth.models import ROLE_NAMES

    print(f" 演示账号（密码均为 {data.DEMO_PASSWORD}）：")
    for username, name, role, unit_code in data.ACCOUNTS:
        print(f"   {username:<11} {ROLE_NAMES[role]}（{name}，单位 {unit_code}）")
    print(f" 对接服务账号 ivr 的 API 令牌（30 天）：{token}")
    print(f" 数据目录：{settings.data_dir.resolve()}   API 文档：http://{host}:{port}/api/docs")
    print("=" * 72, flush=True)
    if args.no_serve:
        return 0
    serve(settings, host, port)
    return 0


def _principal_for(session, username: str):  # type: ignore[no-untyped-def]
    from hotline.auth import repository
    from hotline.auth.principal import Principal

    user = repository.user_by_username(session, username)
    if user is None:
        raise SystemExit(f"没有账号 {username}")
    return Principal.of(user)


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.auth import bootstrap
    from hotline.kit.db import transaction

    password = args.password or getpass.getpass("管理员密码：")
    factory = _session_factory(settings)
    with transaction(factory) as session:
        bootstrap.initialise(session, province_code=args.province_code, province_name=args.province_name,
                             centre_name=args.centre_name, admin_username=args.admin,
                             admin_password=password)
    print(f"已初始化：{args.province_name}（{args.province_code}），管理员 {args.admin}")
    return 0


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.auth import service
    from hotline.auth.models import Role
    from hotline.kit.db import transaction
    from hotline.org import repository

    factory = _session_factory(settings)
    with transaction(factory) as session:
        actor = _principal_for(session, args.as_user)
        unit = repository.unit_by_code(session, args.unit)
        if unit is None:
            raise SystemExit(f"没有单位 {args.unit}")
        password = None if args.service else (args.password or getpass.getpass("初始密码："))
        user = service.create_user(session, actor, username=args.username, display_name=args.name,
                                   role=Role(args.role), unit_id=unit.id, password=password,
                                   is_service=args.service)
        print(f"已创建账号 {user.username}（id {user.id}）")
    return 0


def cmd_user_password(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.auth import repository, service
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        actor = _principal_for(session, args.as_user)
        user = repository.user_by_username(session, args.username)
        if user is None:
            raise SystemExit(f"没有账号 {args.username}")
        service.reset_password(session, actor, user, password=args.password or getpass.getpass("新密码："))
    print(f"已重置 {args.username} 的密码")
    return 0


def cmd_user_list(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        for user in session.execute(select(User).order_by(User.id)).scalars():
            state = "启用" if user.active else "停用"
            print(f"{user.id:>5} {user.username:<16} {user.role.value:<18} {state} {user.unit.name}")
    return 0


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.audit import service
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        result = service.verify(session)
    if args.json:
        print(json.dumps({"ok": result.ok, "checked": result.checked, "problems": result.problems},
                         ensure_ascii=False))
    elif result.ok:
        print(f"审计链完整：已核验 {result.checked} 条记录")
    else:
        print(f"审计链异常：已核验 {result.checked} 条记录，发现 {len(result.problems)} 处问题")
        for p in result.problems:
            print(f"  第 {p['seq']} 条  {p['problem']}  {p['message']}")
    return 0 if result.ok else 1


def cmd_pii_rotate(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.citizen import service
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        count = service.rotate_keys(session)
    print(f"已用密钥 {settings.pii_keys.split(':')[0] if settings.pii_keys else '?'} 重新加密 {count} 行")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="12345 政务服务便民热线平台")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start the web server (and, on SQLite, the in-process worker)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, help="web processes (default HOTLINE_WEB_WORKERS, else 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="drain the background job queue")
    p.add_argument("--once", action="store_true", help="run due jobs and exit")
    p.add_argument("--poll", type=float, default=1.0)
    p.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_db_upgrade)
    p = db.add_parser("downgrade")
    p.add_argument("revision", nargs="?", default="base")
    p.set_defaults(func=cmd_db_downgrade)

    p = sub.add_parser("demo", help="migrate, load the demo province if empty, print accounts, serve")
    p.add_argument("--port", type=int)
    p.add_argument("--no-serve", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("init", help="initialise an empty database with a province and its admin")
    p.add_argument("--province-code", required=True)
    p.add_argument("--province-name", required=True)
    p.add_argument("--centre-name", required=True)
    p.add_argument("--admin", default="admin")
    p.add_argument("--password")
    p.set_defaults(func=cmd_init)

    user = sub.add_parser("user", help="accounts").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("create")
    p.add_argument("--as", dest="as_user", default="admin", help="acting administrator")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True)
    p.add_argument("--unit", required=True, help="unit code")
    p.add_argument("--password")
    p.add_argument("--service", action="store_true", help="service account (API tokens only)")
    p.set_defaults(func=cmd_user_create)
    p = user.add_parser("set-password")
    p.add_argument("--as", dest="as_user", default="admin")
    p.add_argument("username")
    p.add_argument("--password")
    p.set_defaults(func=cmd_user_password)
    p = user.add_parser("list")
    p.set_defaults(func=cmd_user_list)

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    p = audit.add_parser("verify", help="check the SM3 chain; exit 1 if any row was altered or deleted")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_verify)

    pii = sub.add_parser("pii", help="personal data keys").add_subparsers(dest="pii_command", required=True)
    p = pii.add_parser("rotate", help="re-encrypt all personal data with the first key of HOTLINE_PII_KEYS")
    p.set_defaults(func=cmd_pii_rotate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    from hotline.kit.errors import HotlineError

    try:
        return int(args.func(settings, args))
    except HotlineError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
