"""Knowledge-base search at scale, and its relevance on questions written the way citizens
write them.

    python bench/kb_search.py [--items 100000] [--database-url postgresql+psycopg://…]
                              [--questions bench/data/kb_questions.tsv]

Starts its own platform (fresh database, demo province with its ~130 published items), then
writes ``--items`` more published items straight into the database in bulk: texts recombined
from the demo items' sentences with other places, departments, amounts and topics, so that
the vocabulary and its frequencies look like a real base (not copies), each with its search
row and term counts exactly as publication writes them. Then it times searches through the
public API (``/api/v1/public/knowledge/search``), one client after another:

* ``p50_ms`` / ``p95_ms``: the labelled questions and as many again cut from them (shorter
  and longer questions), each asked once after a warm-up;
* ``recall_at_5``: the share of the labelled questions (``key<TAB>question``: the demo item
  that answers it) whose item is among the first five results — against the whole base of
  ``--items`` distractors, and ``recall_at_5_demo`` against the demo items alone (run first);
* ``assistant_answered`` / ``assistant_correct``: how often the assistant answers the labelled
  questions, and how often with the right item; ``assistant_false_answers``: how often it
  answers one of the questions the base cannot answer (``kb_unanswerable.txt``).

Prints one JSON object as its last line."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import random
import re
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Client, instance, percentile, report

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "hotline" / "demo" / "knowledge.tsv"
QUESTIONS = Path(__file__).resolve().parent / "data" / "kb_questions.tsv"
UNANSWERABLE = Path(__file__).resolve().parent / "data" / "kb_unanswerable.txt"
CHUNK = 5_000
PLACES = ["青川市", "云岭市", "临河市", "东城区", "西城区", "安平县", "石门县", "云中区", "松溪县", "白沙县", "丰原市",
          "河东区", "河西区", "长宁县", "清水县", "高新区", "经开区", "临港新区"]
SUBJECTS = ["企业", "个体工商户", "农民工", "高校毕业生", "退役军人", "残疾人", "老年人", "新就业形态劳动者",
            "外来务工人员", "小微企业", "科技型企业", "外贸企业", "养殖户", "种植大户", "家庭农场",
            "社会组织", "物业企业", "建筑企业"]
TOPICS = ["补贴", "奖励", "贷款贴息", "税费减免", "资格认定", "备案", "登记", "年检", "证明开具", "资金申领", "续期",
          "变更", "注销", "转移接续", "待遇核定", "信息查询", "投诉受理", "费用标准", "期限", "所需材料"]


def _sentences(texts: list[str]) -> list[str]:
    parts: list[str] = []
    for text in texts:
        parts += [p.strip() for p in re.split(r"[。；;！？]", text) if len(p.strip()) >= 8]
    return parts


def synthetic(rng: random.Random, phrases: list[str], sentences: list[str]) -> tuple[str, str, list[str]]:
    """One made-up item: a question about a subject, a topic, a place and one of the demo
    items' keywords, and an answer of recombined sentences of the demo items with other
    numbers: the same vocabulary as the real items, never a copy of one."""
    place, subject, topic = rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(TOPICS)
    phrase = rng.choice(phrases)  # a noun phrase of some demo item, never a whole demo question
    question = rng.choice([f"{place}{subject}{topic}怎么办理？", f"{subject}申请{phrase}{topic}需要什么条件？",
                           f"{place}{phrase}的{topic}标准是多少？", f"{place}关于{subject}{phrase}的政策是什么？",
                           f"{subject}办理{phrase}要带哪些材料？"])[:200]
    body = "；".join(rng.sample(sentences, k=rng.randint(2, 5)))
    body = re.sub(r"\d+", lambda m: str(max(1, int(m.group()) + rng.randint(-3, 9))), body)
    answer = f"{subject}{topic}：{body}。具体以{place}相关部门公布为准。"[:2000]
    return question, answer, [subject, topic]


def build(url: str, n: int, seed: int = 7) -> dict[str, Any]:
    """Write ``n`` published items with their versions, search rows and term counts."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql, sqlite

    from hotline.knowledge import search
    from hotline.knowledge.models import (
        KnowledgeItem,
        KnowledgeSearchEntry,
        KnowledgeTerm,
        KnowledgeVersion,
        PolicyClass,
        VersionStatus,
    )
    from hotline.org.models import Category, Region, Unit, UnitKind

    rng = random.Random(seed)
    with DEMO.open(encoding="utf-8") as fh:
        demo = list(csv.DictReader(fh, delimiter="\t"))
    phrases = sorted({k for r in demo for k in r["keywords"].split("、") if k})
    sentences = _sentences([r["answer"] for r in demo])
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        units = [tuple(r) for r in conn.execute(sa.select(Unit.id, Region.id, Region.code).join(
            Region, Region.id == Unit.region_id).where(Unit.kind == UnitKind.department))]
        categories = [tuple(r) for r in conn.execute(sa.select(Category.id, Category.code).where(Category.level == 2))]
        item_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(KnowledgeItem.id), 0))).scalar_one()) + 1
        version_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(KnowledgeVersion.id), 0))
                                      ).scalar_one()) + 1
    now = dt.datetime.now(dt.UTC)
    classes = [None, None, *PolicyClass]
    df: Counter[str] = Counter()
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            items, versions, entries = [], [], []
            for _ in range(min(CHUNK, n - start)):
                question, answer, keywords = synthetic(rng, phrases, sentences)
                unit_id, region_id, region_code = rng.choice(units)
                category_id, category_code = rng.choice(categories)
                policy_class = rng.choice(classes)
                effective = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
                expires = effective + dt.timedelta(days=rng.randint(400, 1500)) if rng.random() < 0.15 else None
                items.append({"id": item_id, "owner_unit_id": unit_id, "created_by_id": None, "created_at": now,
                              "latest_version_id": version_id, "published_version_id": version_id, "views": 0,
                              "answers": 0, "helpful": 0, "not_helpful": 0})
                versions.append({
                    "id": version_id, "item_id": item_id, "number": 1, "status": VersionStatus.published,
                    "question": question, "answer": answer, "policy_class": policy_class, "category_id": category_id,
                    "region_id": region_id, "policy_document_id": None, "collection_id": None,
                    "effective_on": effective, "expires_on": expires, "keywords": keywords, "created_by_id": None,
                    "created_at": now, "submitted_at": now, "reviewed_by_id": None, "reviewed_at": now,
                    "review_reason": None, "published_at": now, "ended_at": None, "end_reason": None})
                q_terms = search.indexed_text(" ".join([question, *keywords]))
                a_terms = search.indexed_text(answer)
                df.update({*q_terms.split(), *a_terms.split(), ""})
                entries.append({"version_id": version_id, "item_id": item_id, "region_code": region_code,
                                "category_code": category_code,
                                "policy_class": policy_class.value if policy_class else None,
                                "owner_unit_id": unit_id, "effective_on": effective, "expires_on": expires,
                                "question_terms": q_terms, "answer_terms": a_terms})
                item_id += 1
                version_id += 1
            conn.execute(sa.insert(KnowledgeItem.__table__), items)
            conn.execute(sa.insert(KnowledgeVersion.__table__), versions)
            conn.execute(sa.insert(KnowledgeSearchEntry.__table__), entries)
            if not postgres:
                conn.execute(sa.text("INSERT INTO knowledge_fts(rowid, question_terms, answer_terms) "
                                     "VALUES (:version_id, :question_terms, :answer_terms)"), entries)
        table = KnowledgeTerm.__table__
        insert = postgresql.insert if postgres else sqlite.insert
        rows = [{"term": term, "df": count} for term, count in df.items()]
        for start in range(0, len(rows), CHUNK):
            stmt = insert(table)
            stmt = stmt.on_conflict_do_update(index_elements=["term"], set_={"df": table.c.df + stmt.excluded.df})
            conn.execute(stmt, rows[start:start + CHUNK])
    if postgres:
        # A base that has served for a while has been vacuumed (autovacuum runs after bulk
        # inserts too): without it the first searches would pay for setting the new rows'
        # visibility hints and writing those pages out again, which a served base never does.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in ("knowledge_search", "knowledge_term", "knowledge_version", "knowledge_item"):
                conn.execute(sa.text(f"VACUUM (ANALYZE) {name}"))
    engine.dispose()
    return {"build_s": round(time.perf_counter() - started, 1), "terms": len(df)}


def load_questions(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    return [(r[0], r[1]) for r in rows[1:] if len(r) >= 2]


async def ask(port: int, questions: list[str]) -> tuple[list[float], list[list[dict[str, Any]]], int]:
    client = Client(port, "")
    latencies: list[float] = []
    answers: list[list[dict[str, Any]]] = []
    errors = 0
    for q in questions:
        path = "/api/v1/public/knowledge/search?" + urllib.parse.urlencode({"q": q, "limit": 5})
        started = time.perf_counter()
        status, body = await client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            errors += 1
            body = []
        latencies.append(elapsed)
        answers.append(body or [])
    await client.close()
    return latencies, answers, errors


async def assistant(port: int, questions: list[str]) -> list[dict[str, Any]]:
    client = Client(port, "")
    out = []
    for q in questions:
        _, body = await client.request("POST", "/api/v1/public/knowledge/assistant", {"question": q[:500]})
        out.append(body or {})
    await client.close()
    return out


def recall(labelled: list[tuple[str, str]], answers: list[list[dict[str, Any]]], ids: dict[str, set[int]]) -> float:
    found = sum(1 for (key, _), hits in zip(labelled, answers, strict=True)
                if ids.get(key, set()) & {h["item_id"] for h in hits[:5]})
    return round(found / max(1, len(labelled)), 3)


def demo_ids(url: str) -> dict[str, set[int]]:
    """Demo key → the item ids with that question (the demo loads items in file order)."""
    import sqlalchemy as sa

    from hotline.knowledge.models import KnowledgeItem, KnowledgeVersion

    with DEMO.open(encoding="utf-8") as fh:
        by_question: dict[str, list[str]] = {}
        for r in csv.DictReader(fh, delimiter="\t"):
            by_question.setdefault(r["question"], []).append(r["key"])
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(KnowledgeItem.id, KnowledgeVersion.question).join(
            KnowledgeVersion, KnowledgeVersion.id == KnowledgeItem.latest_version_id)).all()
    engine.dispose()
    out: dict[str, set[int]] = {}
    for item_id, question in rows:
        for key in by_question.get(question, []):
            out.setdefault(key, set()).add(int(item_id))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args()
    labelled = load_questions(args.questions)
    texts = [q for _, q in labelled]
    rng = random.Random(3)
    variants = [q[: rng.randint(6, max(7, len(q)))] for q in texts]  # shorter cuts, as typed so far
    with instance(args.database_url, extra_env={"HOTLINE_INPROCESS_WORKER": "false"}) as inst:
        os.environ.update({k: v for k, v in inst.env.items() if k.startswith("HOTLINE_")})
        ids = demo_ids(inst.database_url)
        asyncio.run(ask(inst.port, texts[:10]))  # warm-up
        _, demo_answers, _ = asyncio.run(ask(inst.port, texts))
        built = build(inst.database_url, args.items)
        asyncio.run(ask(inst.port, texts[:10]))  # warm-up
        latencies, answers, errors = asyncio.run(ask(inst.port, texts + variants))
        replies = asyncio.run(assistant(inst.port, texts))
        unanswerable = [line.strip() for line in UNANSWERABLE.read_text(encoding="utf-8").splitlines() if line.strip()]
        wrong = sum(1 for r in asyncio.run(assistant(inst.port, unanswerable)) if r.get("answered"))
    answered = [r for r in replies if r.get("answered")]
    correct = sum(1 for (key, _), r in zip(labelled, replies, strict=True)
                  if r.get("answered") and r.get("source", {}).get("item_id") in ids.get(key, set()))
    report({
        "benchmark": "kb_search", "database": "postgresql" if args.database_url else "sqlite",
        "items": args.items, **built, "searches": len(latencies), "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "questions": len(labelled), "recall_at_5": recall(labelled, answers[:len(labelled)], ids),
        "recall_at_5_demo": recall(labelled, demo_answers, ids),
        "assistant_answered": round(len(answered) / max(1, len(labelled)), 3),
        "assistant_correct": round(correct / max(1, len(labelled)), 3),
        "assistant_false_answers": round(wrong / max(1, len(unanswerable)), 3),
    })


if __name__ == "__main__":
    main()
