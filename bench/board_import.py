"""Board import throughput: messages of a board's export file registered per second.

    python bench/board_import.py [--messages 30000] [--texts ../shared/data/appeals-dev.tsv]
                                 [--database-url postgresql+psycopg://…] [--keep FILE]

Loads the demo province into a fresh database (SQLite in a temp folder by default), adds a
board, writes an export file (CSV, the columns of a Chinese message board) of ``--messages``
real-looking messages and imports it in this process exactly as ``hotline board import`` does
(read and check the file, then a batch of ``service.BATCH`` messages per transaction through
``plan_intake`` + ``write_intakes``, category and place read from the text, duplicate lookup and
merge). The texts are citizens' messages of a real online government message board
(``--texts``, a ``label<TAB>text`` file; hand-written ones when it is missing), their
anonymised places ("A市", "C1区") replaced by the demo province's; about one message in six
repeats an earlier one's matter in other words, as neighbours do on a board.

Prints one JSON object as its last line: ``messages``, ``messages_per_s`` (read and check
included), ``read_s``, ``import_s``, ``created``, ``merged``, ``updated``, ``rejected``,
and a second import of the same file (``reimport_per_s``, ``reimport_created``: must be 0)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, demo_database, report

TOWNS = [("青川市", "东城区", "东华街道"), ("青川市", "东城区", "朝阳街道"), ("青川市", "西城区", "金水街道"),
         ("青川市", "安平县", "安平镇"), ("青川市", "石门县", "龙泉镇"), ("云岭市", "云中区", "望江街道"),
         ("云岭市", "松溪县", "竹林镇"), ("云岭市", "丰原市", "太平镇"), ("临河市", "河东区", "滨江街道"),
         ("临河市", "长宁县", "永安镇"), ("临河市", "清水县", "双河镇"), ("临河市", "河西区", "新城街道")]
STREETS = ["幸福路", "人民路", "解放路", "建设路", "中山路", "和平街", "胜利路", "光明街", "新华路", "文化路",
           "朝阳路", "长江路", "公园路", "学府路", "滨江路", "东风路", "花园街", "桃源路", "翠湖路", "春晓路"]
OWN = [
    "{p}{s}{n}号门口的路灯不亮好几天了，晚上一片漆黑，老人小孩出行很不安全，希望有关部门尽快维修。",
    "{p}{s}{n}号小区旁边的工地每天晚上施工到凌晨，噪音太大，居民根本无法休息，请相关部门管一管。",
    "{p}{s}{n}号附近的垃圾已经堆了一个多星期没人清运，气味很大，蚊蝇滋生，请环卫部门尽快处理。",
    "{p}{s}{n}号的小区物业不作为，电梯经常坏，楼道灯不亮，业主多次反映都没有结果，请求主管部门督促。",
    "{p}{s}{n}号的餐馆油烟直排，住在楼上的居民家里全是油烟味，窗户都不敢开，希望环保部门查处。",
    "我在{p}{s}{n}号的公司上班，公司已经拖欠我们三个月工资了，老板一直推脱，请劳动监察部门帮帮我们。",
]
RETELL = ["再次反映：", "大家好，", "", "紧急！", "还是没人管，"]
TAIL = ["谢谢！", "盼复。", "", "请尽快处理。"]
_ANON = re.compile(r"[A-Z]\d{0,2}(?:市|区|县)")


def texts(path: Path | None) -> list[str]:
    if path is None or not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return [r[1] for r in rows[1:] if len(r) > 1 and r[1].strip()]


def place(rng: random.Random) -> tuple[str, str]:
    city, county, town = rng.choice(TOWNS)
    return f"{city}{county}{town}", f"{rng.choice(STREETS)}"


def message(rng: random.Random, real: list[str]) -> str:
    where, street = place(rng)
    if real and rng.random() < 0.7:
        text = _ANON.sub(lambda m: where if rng.random() < 0.3 else "", rng.choice(real))
        return text if where in text else where + text
    return rng.choice(OWN).format(p=where, s=street, n=rng.randrange(1, 200))


def retell(rng: random.Random, text: str) -> str:
    """The same matter in other words: another opening and ending, a clause dropped."""
    clauses = re.split(r"(?<=[，。！？])", text)
    if len(clauses) > 3:
        del clauses[rng.randrange(1, len(clauses) - 1)]
    return rng.choice(RETELL) + "".join(clauses) + rng.choice(TAIL)


def export_file(count: int, real: list[str], seed: int = 12345) -> bytes:
    rng = random.Random(seed)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
    start = dt.datetime(2026, 11, 20, 8, 0)  # noqa: DTZ001 (an export's wall-clock time)
    said: list[str] = []
    for n in range(count):
        if said and rng.random() < 1 / 6:
            body = retell(rng, rng.choice(said[-300:]))
        else:
            body = message(rng, real)
            said.append(body)
        subject = re.split(r"[，。！？]", body, maxsplit=1)[0][:28] or body[:20]
        at = start + dt.timedelta(seconds=n * 37)
        fmt = rng.choice(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M"])
        writer.writerow([f"LY{2026000000 + n}", f"网友{rng.randrange(10**6):06x}", subject, at.strftime(fmt),
                         f"<p>{body}</p>" if rng.random() < 0.2 else body, rng.randrange(200), rng.randrange(20)])
    return buf.getvalue().encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "data" / "appeals-dev.tsv")
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="also write the generated export file here")
    parser.add_argument("--profile", action="store_true", help="print the first import's profile to stderr")
    args = parser.parse_args()
    data = export_file(args.messages, texts(args.texts))
    if args.keep:
        args.keep.write_bytes(data)
    with demo_database(args.database_url) as env:
        os.environ.update(env)
        from hotline.auth import repository as auth_repository
        from hotline.auth.principal import Principal
        from hotline.channels.boards import fileformat, runner, service
        from hotline.cli import _session_factory
        from hotline.config import get_settings
        from hotline.kit.db import transaction

        factory = _session_factory(get_settings())
        with transaction(factory) as session:
            admin = Principal.of(auth_repository.user_by_username(session, "admin"))  # type: ignore[arg-type]
            service.create_board(session, admin, code="bench_board", name="基准测试留言板")
        results = {}
        stages = {}
        for run in ("first", "again"):
            started = time.perf_counter()
            parsed = fileformat.read_file(data, "export.csv")
            read_s = time.perf_counter() - started
            profile = None
            if args.profile and run == "first":
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            summary = runner.run_import(factory, board_code="bench_board", parsed=parsed, actor=None, source="file")
            if profile is not None:
                import pstats

                profile.disable()
                order = os.environ.get("BENCH_SORT", "cumulative")
                pstats.Stats(profile, stream=sys.stderr).sort_stats(order).print_stats(45)
            total = time.perf_counter() - started
            results[run] = (summary, read_s, total)
            if run == "first":
                stages = {k: round(v, 2) for k, v in service.STAGES.items()}
        first, read_s, total = results["first"]
        for line in first.counts.errors[:10]:
            print(line, file=sys.stderr)
        again, _, again_total = results["again"]
        report({"messages": args.messages, "messages_per_s": round(args.messages / total, 1),
                "read_s": round(read_s, 2), "import_s": round(first.seconds, 2), "created": first.counts.created,
                "merged": first.counts.merged, "updated": first.counts.updated, "rejected": first.counts.rejected,
                "skipped": first.counts.skipped, "reimport_per_s": round(args.messages / again_total, 1),
                "reimport_created": again.counts.created + again.counts.merged,
                "database": "postgresql" if args.database_url else "sqlite", "stages_s": stages})


if __name__ == "__main__":
    main()
