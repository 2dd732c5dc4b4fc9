"""The ``hotline`` command: serve, worker, db, demo, user, audit, pii, model, hotspots, open311, board, cti."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from hotline.config import Settings, get_settings


def _session_factory(settings: Settings, *, check_index: bool = True):  # type: ignore[no-untyped-def]
    """Sessions on the configured database, after the start-up checks (kit/keyguard.py): the
    keys open this database and the audit log's triggers are in place, or StartupRefused."""
    from hotline.kit import crypto, keyguard
    from hotline.kit.db import make_engine, make_session_factory

    assert settings.pii_keys and settings.pii_index_key
    cipher = crypto.configure(settings.pii_keys, settings.pii_index_key)
    engine = make_engine(settings.resolved_database_url)
    keyguard.startup_checks(engine, cipher, check_index=check_index)
    return make_session_factory(engine)


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
    """Serve the web application with ``workers`` processes. On SQLite (unless
    ``HOTLINE_INPROCESS_WORKER`` says otherwise) the job worker runs beside them as a child
    process, ``hotline worker``: in the web server's interpreter the push relay and the other
    jobs fall behind the requests (docs/webhooks.md), in a process of their own they use the
    second core; SQLite still takes one writer at a time. ``HOTLINE_INPROCESS_WORKER=true``
    runs it as a thread of each web process instead; ``false`` runs none (start ``hotline
    worker`` yourself, as on PostgreSQL)."""
    from hotline.app import configure_logging
    from hotline.kit.db import is_sqlite
    from hotline.web import server

    configure_logging(settings)
    child = None
    if settings.inprocess_worker is None and is_sqlite(settings.resolved_database_url):
        settings.inprocess_worker = False  # the web processes run no worker of their own
        os.environ["HOTLINE_INPROCESS_WORKER"] = "false"  # (those started afresh, with --workers)
        child = _worker_process()
    try:
        server.serve(host, port, workers)
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()


def _worker_process() -> subprocess.Popen[bytes]:
    """``hotline worker`` as a child that dies with this process (Linux: PR_SET_PDEATHSIG)."""

    def die_with_parent() -> None:
        if sys.platform.startswith("linux"):
            import ctypes
            import signal

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], env=os.environ.copy(),
                            preexec_fn=die_with_parent)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    _session_factory(settings).kw["bind"].dispose()  # refuse here, with a clear message, not in each worker
    serve(settings, args.host or settings.host, args.port or settings.port, args.workers or settings.web_workers)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.app import configure_logging, load_tasks
    from hotline.kit import jobs

    configure_logging(settings)
    load_tasks()
    factory = _session_factory(settings)
    from hotline.kit.db import make_read_engine, make_session_factory
    from hotline.notify import service as notify_service
    from hotline.notify import wording

    # the jobs' texts use the saved wordings, read apart from the job's own (writing) connection
    readers = make_session_factory(make_read_engine(settings.resolved_database_url))
    notify_service.use_wordings(lambda: wording.load(readers))
    jobs.run_worker(factory, once=args.once, poll_seconds=args.poll)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.auth import bootstrap
    from hotline.demo import data
    from hotline.kit import migrate
    from hotline.kit.db import transaction

    first = None
    if args.city:  # a second demo city, peered with the first (hotline.demo.federation)
        from hotline.demo import federation as demo_federation

        first = settings
        if not bootstrap_done(first):
            print("请先运行 hotline demo 启动第一个演示城市，再启动第二个城市", file=sys.stderr)
            return 2
        settings = demo_federation.city_settings(first, args.city)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    factory = _session_factory(settings)
    loaded = False
    with transaction(factory) as session:
        if bootstrap.is_empty(session):
            print("正在载入演示数据（示范省）……", flush=True)
            data.load(session)
            loaded = True
    if loaded:  # the statistics workbench's cube counts the year just written
        from hotline.demo.year import project_history, refresh_statistics

        with transaction(factory) as session:
            refresh_statistics(session)
        project_history(factory)  # the ledgers and inboxes too: the server starts caught up
        from hotline.demo.telephony import roll_up_history

        with transaction(factory) as session:
            roll_up_history(session)  # and the call statistics
    with transaction(factory) as session:
        token = data.issue_demo_token(session)
    from hotline.demo.open311 import issue_demo_key

    with transaction(factory) as session:
        open311_key = issue_demo_key(session)
    from hotline.demo import telephony as demo_telephony

    with transaction(factory) as session:
        cti_key = demo_telephony.issue_demo_key(session)
        cti_seats = demo_telephony.seat_kinds(session)
    from hotline.demo import linkage as demo_linkage

    with transaction(factory) as session:
        utility_key = demo_linkage.issue_demo_key(session)
    port = args.port or (settings.port + 1 if first is not None else settings.port)
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
    print(f" 开放311接口（Open311 GeoReport v2）：http://{host}:{port}/open311/v2/services.json")
    print(f"   演示城市服务 App 的接口密钥（api_key）：{open311_key}")
    print(f" 呼叫中心接口（POST /api/v1/cti/events）青川市中心交换机的密钥：{cti_key}")
    print(f" 公共事业接口密钥（青川市自来水有限公司，只能签收、答复本单位工单）：{utility_key}")
    print("   坐席 S001–S008、E001–E003、X001；模拟来电流持续送入（HOTLINE_DEMO_CALL_STREAM=0 关闭）")
    print("   值守话务员 duty_s002 等已签入其余坐席；话务员 agent 在受理台签入 S001 即可看到来电弹屏；")
    print("   住建局 handler 在“专家坐席”页签入 X001 接转接来电")
    print(f" 数据目录：{settings.data_dir.resolve()}   API 文档：http://{host}:{port}/api/docs")
    if first is not None:
        first_url = args.peer_url or f"http://127.0.0.1:{first.port}"
        pairing = demo_federation.pair(_session_factory(first), factory, code=args.city,
                                       name=f"{args.city}（第二个演示城市）", first_url=first_url,
                                       second_url=f"http://127.0.0.1:{port}")
        print(f" 跨市互派：已与第一个演示城市（{first_url}）配对，密钥编号 {pairing.key_id}，"
              f"开放 {len(pairing.categories)} 个诉求大类")
        print(f"   在第一个城市以 dispatcher 登录，打开待派单工单，点“转至他市”选择 {pairing.first_peer}；")
        print(f"   在本城市（http://{host}:{port}）以 dispatcher 登录即可看到转来的工单")
    print("=" * 72, flush=True)
    if args.no_serve:
        return 0
    # No SMS leaves the demo (log adapter): the public door shows the codes it would text.
    os.environ.setdefault("HOTLINE_PUBLIC_DEMO_CODES", "true")
    settings.public_demo_codes = os.environ["HOTLINE_PUBLIC_DEMO_CODES"].lower() in ("1", "true", "yes")
    os.environ.setdefault("HOTLINE_DEMO_RECEIVER", "true")
    settings.demo_receiver = os.environ["HOTLINE_DEMO_RECEIVER"].lower() in ("1", "true", "yes")
    if settings.demo_receiver:
        from hotline.demo import webhooks as demo_webhooks

        with transaction(factory) as session:
            receiver_url = demo_webhooks.set_up(session, f"http://127.0.0.1:{port}")
        page = receiver_url.removesuffix("/hook")
        print(f" 推送演示：住建局的订阅推送到演示接收页 {page}（派发工单给住建局后查看）", flush=True)
    if os.environ.get("HOTLINE_DEMO_CALL_STREAM", "1").lower() not in ("0", "false", "no"):
        demo_telephony.start_stream(f"http://127.0.0.1:{port}", cti_key, cti_seats)
        demo_telephony.start_duty_agents(factory)
    serve(settings, host, port)
    return 0


def bootstrap_done(settings: Settings) -> bool:
    """The first demo city's database exists and holds the demo (a second city pairs with it)."""
    from hotline.auth import bootstrap
    from hotline.kit.db import transaction

    if not settings.database_url and not (settings.data_dir / "hotline.db").exists():
        return False
    with transaction(_session_factory(settings)) as session:
        return not bootstrap.is_empty(session)


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
        service.reset_password(session, actor, user, password=args.password or getpass.getpass("新密码："),
                               own_account=True)
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
    from hotline.kit import crypto, keyguard
    from hotline.kit.db import transaction

    # A new index key is what rotation is for: only the SM4 keys must open the canary here.
    factory = _session_factory(settings, check_index=False)
    with transaction(factory) as session:
        count = service.rotate_keys(session)
        keyguard.rewrite_canary(session, crypto.cipher())
    print(f"已用密钥 {settings.pii_keys.split(':')[0] if settings.pii_keys else '?'} 重新加密 {count} 行")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the database, the key file and a manifest, while the platform runs."""
    from pathlib import Path

    from hotline.kit import backup

    manifest = backup.create(settings.resolved_database_url, settings.data_dir, Path(args.out))
    counts = manifest["row_counts"]
    print(f"已备份到 {args.out}：{manifest['database']} 数据库（迁移版本 {manifest['alembic_revision']}），"
          f"工单 {counts.get('work_order', 0)} 件，审计记录 {counts.get('audit_event', 0)} 条")
    if manifest["keys"] != backup.KEYS_FILE:
        print("注意：密钥来自环境变量，未写入备份；请确认 HOTLINE_PII_KEYS、HOTLINE_PII_INDEX_KEY 另有保管",
              file=sys.stderr)
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restore a backup into the configured (empty) database and data folder, then run the
    start-up checks with the keys now in place."""
    from pathlib import Path

    from hotline.kit import backup, crypto, keyguard
    from hotline.kit.db import make_engine

    manifest = backup.restore(Path(args.source), settings.resolved_database_url, settings.data_dir, force=args.force)
    print(f"已从 {args.source} 恢复：{manifest['database']} 数据库，各表行数与备份清单一致")
    restored = Settings()
    restored.ensure_keys()  # the key file just restored, or the environment's keys
    assert restored.pii_keys and restored.pii_index_key
    engine = make_engine(restored.resolved_database_url)
    try:
        keyguard.startup_checks(engine, crypto.configure(restored.pii_keys, restored.pii_index_key))
    finally:
        engine.dispose()
    print("密钥校验通过；请再运行 hotline audit verify 核验审计链")
    return 0


def _labelled(path: str) -> tuple[list[str], list[str]]:
    """Texts and labels of a ``label<TAB>text`` file with a header row."""
    from pathlib import Path

    from hotline.intelligence import classifier

    if not Path(path).is_file():
        raise SystemExit(f"{path}: no such file")
    try:
        return classifier.read_labelled(Path(path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise SystemExit(f"{path}: not UTF-8 text") from None
    except ValueError as error:
        raise SystemExit(f"{path}:{str(error).removeprefix('line ')}") from None


def cmd_model_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    """Train on one labelled file, score another; one JSON object (no database involved)."""
    from hotline.intelligence import classifier

    train_texts, train_labels = _labelled(args.train)
    test_texts, test_labels = _labelled(args.test)
    model = classifier.train(train_texts, train_labels, calibrate=False)
    result = classifier.evaluate(model, test_texts, test_labels)
    print(json.dumps({**result, "train_examples": len(train_texts), "test_examples": len(test_texts),
                      "labels": len(set(train_labels))}, ensure_ascii=False))
    return 0


def _model_row(v) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"id": v.id, "kind": v.kind.value, "number": v.number, "status": v.status.value,
            "trained_at": v.trained_at.isoformat(), "examples": v.examples, "labels": v.labels, **v.metrics}


def cmd_model_train(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.intelligence import tasks
    from hotline.intelligence.models import ModelKind

    factory = _session_factory(settings)
    kinds = list(ModelKind) if args.kind == "all" else [ModelKind(args.kind)]
    for kind in kinds:
        version = tasks.train_model(factory, kind, limit=args.limit, activate=not args.no_activate)
        print(json.dumps(_model_row(version), ensure_ascii=False))
    return 0


def cmd_model_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.intelligence import repository
    from hotline.intelligence.models import ModelKind
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        for v in repository.versions(session, ModelKind(args.kind) if args.kind else None):
            print(json.dumps(_model_row(v), ensure_ascii=False))
    return 0


def cmd_model_activate(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.intelligence import service
    from hotline.intelligence.models import ModelKind
    from hotline.kit.db import transaction

    if (args.version is None) == (args.kind is None):
        raise SystemExit("give a version number, or --rollback KIND")
    factory = _session_factory(settings)
    with transaction(factory) as session:
        if args.version is not None:
            version = service.activate(session, None, args.version)
        else:
            version = service.rollback(session, None, ModelKind(args.kind))
        print(json.dumps(_model_row(version), ensure_ascii=False))
    return 0


_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d",
                 "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日")


def _time(value: str) -> dt.datetime | None:
    """An exported time as China's local wall-clock time (no zone), so that every row of a
    file compares with every other: one with a zone is moved to UTC+8 and the zone dropped."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                return dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - local time as exported, compared with its peers
            except ValueError:
                continue
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    return moment


#: A message board's own export names its columns in Chinese; read them as the English ones.
_BOARD_COLUMNS = {"留言编号": "id", "编号": "id", "留言主题": "title", "主题": "title", "标题": "title",
                  "留言详情": "text", "详情": "text", "内容": "text", "留言内容": "text", "正文": "text",
                  "留言时间": "time", "时间": "time", "点赞数": "likes", "点赞": "likes"}


def _table(path: Path) -> list[list[object]]:
    """The rows of a .tsv (UTF-8) or .xlsx file (its first sheet)."""
    if not path.is_file():
        raise SystemExit(f"{path}: no such file")
    if path.suffix.lower() == ".xlsx":
        from hotline.intelligence import service as intel

        return intel.read_xlsx(path.read_bytes())
    return [list[object](line.split("\t")) for line in path.read_text(encoding="utf-8-sig").splitlines()]


def cmd_hotspots(settings: Settings, args: argparse.Namespace) -> int:
    """The hotspot engine on a CSV of ``id,title,text,time,likes``: one JSON array."""
    import csv
    from pathlib import Path

    from hotline.intelligence import hotspots

    if not Path(args.input).is_file():
        raise SystemExit(f"{args.input}: no such file")
    raw = Path(args.input).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise SystemExit(f"{args.input}: not a CSV text file (UTF-8 or GB18030)") from None
    csv.field_size_limit(10_000_000)
    appeals: list[hotspots.Appeal] = []
    for row in csv.DictReader(io.StringIO(text, newline="")):  # quoted fields keep their line breaks
        row = {_BOARD_COLUMNS.get(key := (k or "").strip().lower(), key): v for k, v in row.items()}
        try:
            likes = int(float(row.get("likes") or 0))
        except (ValueError, OverflowError):  # "", "n/a", "inf"
            likes = 0
        appeals.append(hotspots.Appeal(id=str(row.get("id") or len(appeals) + 1), title=row.get("title") or "",
                                       text=row.get("text") or "", time=_time(row.get("time") or ""), likes=likes))
    dictionary = None
    if args.terms:
        from hotline.intelligence import terms

        dictionary = terms.lexicon(terms.Term(r.term, r.kind or "other", r.synonyms)
                                   for r in terms.rows(_table(Path(args.terms))) if r.active and r.term)
    found = hotspots.find(appeals, top=args.top, dictionary=dictionary, discover=not args.no_discovery)
    print(json.dumps([{
        "label": h.label, "title": h.title, "terms": h.terms, "count": h.count, "heat": h.heat,
        "member_ids": h.member_ids, "keywords": h.keywords,
        "place": h.place, "likes": h.likes, "first": h.first.isoformat() if h.first else None,
        "last": h.last.isoformat() if h.last else None, "trend": h.trend, "growth": h.growth, "samples": h.samples,
    } for h in found], ensure_ascii=False, indent=1 if args.pretty else None))
    return 0


def cmd_open311_key_create(settings: Settings, args: argparse.Namespace) -> int:
    """Issue an Open311 key; the key alone is the last line printed (shown this once)."""
    from hotline.channels.open311 import service
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        actor = _principal_for(session, args.as_user)
        key, row = service.issue_key(session, actor, name=args.name, channel=args.channel,
                                     rate_per_minute=args.rate)
        shown = next(r for r in service.list_keys(session, actor) if r.id == row.id)
    print(f"已签发开放311接口密钥 #{shown.id}“{shown.name}”，受理渠道 {shown.channel}，"
          f"每分钟上限 {shown.rate_per_minute} 次。密钥只显示这一次，请立即保存：")
    print(key)
    return 0


def cmd_open311_key_list(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.open311 import service
    from hotline.kit.clock import CST
    from hotline.kit.db import transaction

    def at(value: dt.datetime | None) -> str:
        return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else "—"

    factory = _session_factory(settings)
    with transaction(factory) as session:
        rows = service.list_keys(session, _principal_for(session, args.as_user))
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "hint": r.hint, "channel": r.channel,
                           "rate_per_minute": r.rate_per_minute, "created_at": r.created_at.isoformat(),
                           "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                           "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None}
                          for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        state = f"已吊销 {at(r.revoked_at)}" if r.revoked_at else "有效"
        print(f"#{r.id}\t{r.hint}…\t{r.name}\t{r.channel}\t{r.rate_per_minute}/分钟\t签发 {at(r.created_at)}"
              f"\t最近使用 {at(r.last_used_at)}\t{state}")
    return 0


def cmd_open311_key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.open311 import service
    from hotline.kit.db import transaction

    factory = _session_factory(settings)
    with transaction(factory) as session:
        key = service.revoke_key(session, _principal_for(session, args.as_user), args.id)
        name = key.name
    print(f"已吊销开放311接口密钥 #{args.id}“{name}”")
    return 0


def _positive(value: str) -> int:
    """A count given on the command line: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return number


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
    p.add_argument("--city", help="start a second demo city (own data dir), peered with the first for transfers")
    p.add_argument("--peer-url", help="the first demo city's address (default http://127.0.0.1:<its port>)")
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

    p = sub.add_parser("backup", help="back up the database, the key file and a manifest (safe while running)")
    p.add_argument("--out", required=True, help="a new or empty folder")
    p.set_defaults(func=cmd_backup, offline=True)
    p = sub.add_parser("restore", help="restore a backup into the configured, empty database and data folder")
    p.add_argument("source", help="the backup folder")
    p.add_argument("--force", action="store_true", help="overwrite a database that holds data, replace keys.json")
    p.set_defaults(func=cmd_restore, offline=True)

    pii = sub.add_parser("pii", help="personal data keys").add_subparsers(dest="pii_command", required=True)
    p = pii.add_parser("rotate", help="re-encrypt all personal data with the first key of HOTLINE_PII_KEYS")
    p.set_defaults(func=cmd_pii_rotate)

    model = sub.add_parser("model", help="dispatch-suggestion models").add_subparsers(dest="model_command",
                                                                                      required=True)
    p = model.add_parser("train", help="train from the closed orders, measure on a held-out fifth, activate")
    p.add_argument("--kind", choices=["category", "lead_unit", "all"], default="all")
    p.add_argument("--limit", type=_positive, default=60_000, help="the latest N closed orders")
    p.add_argument("--no-activate", action="store_true", help="keep the new version on standby")
    p.set_defaults(func=cmd_model_train)
    p = model.add_parser("evaluate", help="train on one label<TAB>text file, score another, print JSON")
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.set_defaults(func=cmd_model_evaluate, offline=True)
    p = model.add_parser("list", help="the stored versions and their metrics")
    p.add_argument("--kind", choices=["category", "lead_unit"])
    p.set_defaults(func=cmd_model_list)
    p = model.add_parser("activate", help="make a version active (an older one: roll back)")
    p.add_argument("version", type=int, nargs="?")
    p.add_argument("--rollback", dest="kind", choices=["category", "lead_unit"],
                   help="instead of a version: go back to the one before the active version of this kind")
    p.set_defaults(func=cmd_model_activate)

    open311 = sub.add_parser("open311", help="Open311 GeoReport v2 keys").add_subparsers(dest="open311_command",
                                                                                       required=True)
    key = open311.add_parser("key", help="API keys of partner systems").add_subparsers(dest="key_command",
                                                                                     required=True)
    p = key.add_parser("create", help="issue a key; the key alone is printed on the last line")
    p.add_argument("--name", required=True, help="the partner system, e.g. 青川市民通 App")
    p.add_argument("--channel", help="the channel its requests are recorded under (default open311)")
    p.add_argument("--rate", type=_positive, default=60, help="requests per minute (default 60)")
    p.add_argument("--as", dest="as_user", default="admin", help="acting province administrator")
    p.set_defaults(func=cmd_open311_key_create)
    p = key.add_parser("list", help="every key: hint, name, channel, created, last used, revoked")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_open311_key_list)
    p = key.add_parser("revoke", help="revoke a key by its number (see key list)")
    p.add_argument("id", type=_positive)
    p.add_argument("--as", dest="as_user", default="admin")
    p.set_defaults(func=cmd_open311_key_revoke)
    from hotline.channels.boards import cli as board_cli

    board_cli.register(sub)
    from hotline.telephony import cli as cti_cli

    cti_cli.register(sub)
    from hotline.integration.webhooks import cli as webhooks_cli

    webhooks_cli.register(sub)
    from hotline.integration.merchants import cli as merchants_cli

    merchants_cli.register(sub)
    from hotline.integration.linkage import cli as linkage_cli

    linkage_cli.register(sub)
    from hotline.integration.federation import cli as federation_cli

    federation_cli.register(sub)
    from hotline.analytics import cli as analytics_cli

    analytics_cli.register(sub)
    from hotline.analytics.reports import cli as reports_cli

    reports_cli.register(sub)

    p = sub.add_parser("hotspots", help="hotspots of a CSV of appeals (id,title,text,time,likes), as JSON")
    p.add_argument("--input", required=True)
    p.add_argument("--top", type=_positive, default=10)
    p.add_argument("--pretty", action="store_true")
    p.add_argument("--terms", help="a term dictionary (.tsv or .xlsx: term, kind, synonyms, active)")
    p.add_argument("--no-discovery", action="store_true", help="only the dictionary's terms, none found in the texts")
    p.set_defaults(func=cmd_hotspots, offline=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Commands on files alone (model evaluate, hotspots) touch no database and no personal
    # data: they neither need the platform's keys nor create them in the working folder;
    # backup and restore copy the key file as it is and must not make one.
    from sqlalchemy.exc import StatementError

    from hotline.kit.errors import HotlineError

    try:
        settings = Settings() if getattr(args, "offline", False) else get_settings()
        return int(args.func(settings, args))
    except HotlineError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except StatementError as exc:  # a HotlineError raised while binding a value (kit.db.EncryptedString)
        if not isinstance(exc.orig, HotlineError):
            raise
        print(f"错误：{exc.orig.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
