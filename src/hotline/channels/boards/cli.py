"""``hotline board``: add a board, import a board's export file, write its reply file, pull it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from hotline.config import Settings


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from hotline.cli import _session_factory

    return _session_factory(settings)


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.boards import service
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction

    with transaction(_factory(settings)) as session:
        actor = _principal_for(session, args.as_user)
        board = service.create_board(session, actor, code=args.code, name=args.name, centre_unit_code=args.centre,
                                     appeal_type=args.appeal_type)
        if args.pull_url:
            service.configure_pull(session, actor, board, url=args.pull_url, interval_seconds=args.interval,
                                   field_map=json.loads(args.field_map) if args.field_map else None, enabled=True)
    print(f"已添加留言板 {args.code}（自动受理账号 {service.account_name(args.code)}）")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.boards import fileformat, runner
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction

    factory = _factory(settings)
    with transaction(factory) as session:
        actor = _principal_for(session, args.as_user) if args.as_user else None
    path = Path(args.file)
    try:
        parsed = fileformat.read_file(path.read_bytes(), path.name)
    except fileformat.FileRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        print(json.dumps({"read": 0, "created": 0, "merged": 0, "updated": 0, "rejected": 0, "seconds": 0,
                          "status": "rejected", "error": str(exc)}, ensure_ascii=False))
        return 2
    summary = runner.run_import(factory, board_code=args.board, parsed=parsed, actor=actor, source="file",
                                filename=path.name)
    for line in summary.counts.errors[:50]:
        print(line, file=sys.stderr)
    print(json.dumps(summary.as_json(), ensure_ascii=False))
    return 0 if summary.status == "done" else 2


def _since(value: str) -> dt.datetime:
    from hotline.channels.boards.fileformat import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--since: {exc}") from None


def cmd_export_replies(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.boards import fileformat, repository, service
    from hotline.cli import _principal_for
    from hotline.kit.db import transaction
    from hotline.kit.errors import NotFound

    with transaction(_factory(settings)) as session:
        actor = _principal_for(session, args.as_user) if args.as_user else None
        if actor is not None:
            board, channel = service.access_board(session, actor, args.board, need="view")
        else:
            found = repository.board_by_code(session, args.board)
            if found is None:
                raise NotFound("留言板不存在")
            board, channel = found
        rows = service.export_replies(session, actor, board, channel, since=args.since)
    fmt = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv")
    data = fileformat.write_replies(rows, fmt)
    if args.out:
        Path(args.out).write_bytes(data)
        print(json.dumps({"rows": len(rows), "file": args.out, "format": fmt}, ensure_ascii=False))
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_pull(settings: Settings, args: argparse.Namespace) -> int:
    from hotline.channels.boards import pull, repository
    from hotline.kit.db import transaction
    from hotline.kit.errors import NotFound

    factory = _factory(settings)
    with transaction(factory) as session:
        found = repository.board_by_code(session, args.board)
        if found is None:
            raise NotFound("留言板不存在")
        board_id = found[0].id
    counts = pull.pull_board(factory, board_id)
    for line in counts.errors[:50]:
        print(line, file=sys.stderr)
    print(json.dumps({"read": counts.read, "created": counts.created, "merged": counts.merged,
                      "updated": counts.updated, "rejected": counts.rejected}, ensure_ascii=False))
    return 0 if not counts.rejected else 2


def register(sub: argparse._SubParsersAction) -> None:
    board = sub.add_parser("board", help="merged online message boards").add_subparsers(dest="board_command",
                                                                                        required=True)
    p = board.add_parser("add", help="add a message board (a channel, its settings and its intake account)")
    p.add_argument("code")
    p.add_argument("--name")
    p.add_argument("--centre", help="the unit code of the hotline centre that takes its messages")
    p.add_argument("--appeal-type", default="complaint")
    p.add_argument("--pull-url", help="the board's JSON API (enables the pull adapter)")
    p.add_argument("--interval", type=int, default=900, help="pull interval in seconds")
    p.add_argument("--field-map", help="JSON: our field → the key in the board's JSON")
    p.add_argument("--as", dest="as_user", default="admin", help="acting province administrator")
    p.set_defaults(func=cmd_add)
    p = board.add_parser("import", help="import a board's export file (CSV or XLSX); prints a JSON summary")
    p.add_argument("file")
    p.add_argument("--board", required=True)
    p.add_argument("--as", dest="as_user", help="the account recorded as importing (default: the command line)")
    p.set_defaults(func=cmd_import)
    p = board.add_parser("export-replies", help="write the board's reply file (留言编号, 答复意见, 答复时间)")
    p.add_argument("--board", required=True)
    p.add_argument("--since", type=_since, help="answers accepted since (e.g. 2026-12-01)")
    p.add_argument("--out", help="the file to write (.csv or .xlsx); default: CSV on standard output")
    p.add_argument("--format", choices=["csv", "xlsx"])
    p.add_argument("--as", dest="as_user", help="the account recorded as exporting")
    p.set_defaults(func=cmd_export_replies)
    p = board.add_parser("pull", help="pull a board's JSON API now")
    p.add_argument("--board", required=True)
    p.set_defaults(func=cmd_pull)
