"""Whole terms on real message-board appeals: are names kept whole, and do hotspots read as
people name them?

    python bench/hotspot_terms.py PATH [--terms DICTIONARY.tsv] [--top 30]

PATH is a labelled file of appeals (``label<TAB>text``, as ``appeals-dev.tsv``). Each appeal
is read once the way the engine read it before terms (rjieba alone: ``before``) and once with
the lexicon (the dictionary, if given, and the terms discovered in the file: ``after``).
Prints one JSON object with, for each:

* ``entity_whole`` — of the named entities in the texts, the share that come out as a single
  token. The reference entities are found by a plain pattern independent of the engine: a
  name between a clear left edge (punctuation, the start, or an anonymised region code such
  as A5区 / K3县) and a kind suffix (小区, 花园, 家园, 公寓, 大厦, 学校, 中学, 小学, 幼儿园, 医院,
  卫生院, 公司, 有限公司, 平台), its name part two to eight characters, not a pronoun;
  and names starting with digits or Latin letters joined to a platform word (58车贷, e租宝);
* ``keyword_fragments`` — of the top hotspots' keywords, the share that are a piece of a
  longer reference entity of their appeals (融汇 of 鑫融汇通平台, 锦绣 of 锦绣家园小区);
* ``labels_naming_entity`` — the share of the top hotspots' labels that hold, whole, a
  reference entity their appeals name; ``label_chars`` — their mean length;
* ``purity`` — clusters against the first-level labels of the file: the share of the
  clustered appeals in their cluster's majority label (weighted by size), with
  ``clustered`` (appeals in some cluster) and ``clusters``;
* ``seconds``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

_SUFFIX = r"(?:有限公司|公司|平台|小区|花园|家园|公寓|大厦|学校|中学|小学|幼儿园|医院|卫生院)"
_EDGE = r"(?:^|[\s，。！？、；：,.!?“”\"'（）()《》]|[A-Z]\d{0,2}[市区县州])"
_NAMED = re.compile(_EDGE + r"([\u4e00-\u9fff]{2,8}?" + _SUFFIX + ")")
_LATIN = re.compile(r"(?<![0-9A-Za-z])((?:[0-9]{2,5}|[A-Za-z][A-Za-z0-9]{0,5})[\u4e00-\u9fff]{1,3}"
                    r"(?:平台|金融|贷|宝|网|APP))")
_NOT_NAMES_TEXT = """
我们 我 你们 他们 该 本 这个 那个 这 那 整个 所在 物业 各 一个 一家 其他 相关 有关 附近
周边 全 所有 部分 私立 公立 民办 公办 现在 导致 造成 将 原 中标 城区 配套 对 在 和 与
给 到 从 被 让 中学 小学 大学 学校 医院 公司 小区 平台 网络 政府 村 乡 镇 县 市
区 省
"""
_NOT_NAMES = tuple(_NOT_NAMES_TEXT.split())


def reference_entities(text: str) -> list[tuple[int, int, str]]:
    out = []
    for pattern in (_NAMED, _LATIN):
        for m in pattern.finditer(text):
            name = m.group(1)
            if name.startswith(_NOT_NAMES) or len(name) < 3:
                continue
            out.append((m.start(1), m.end(1), name))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--terms", type=Path, help="a term dictionary (.tsv: term, kind, synonyms, active)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from hotline.intelligence import classifier, hotspots, terms

    texts, labels = classifier.read_labelled(args.path.read_text(encoding="utf-8-sig"))
    appeals = [hotspots.Appeal(id=str(n), title=t[:20], text=t) for n, t in enumerate(texts)]
    truth = {str(n): label for n, label in enumerate(labels)}
    dictionary = None
    if args.terms:
        dictionary = terms.lexicon(terms.Term(r.term, r.kind or "other", r.synonyms) for r in terms.rows(
            [line.split("\t") for line in args.terms.read_text(encoding="utf-8-sig").splitlines()]) if r.active)
    refs = [reference_entities(t) for t in texts]
    out: dict[str, object] = {"benchmark": "hotspot_terms", "appeals": len(texts),
                              "reference_entities": sum(len(r) for r in refs)}
    for name in ("before", "after"):
        started = time.perf_counter()
        lexicon = hotspots.lexicon_for(appeals, dictionary) if name == "after" else None
        whole = 0
        for text, found in zip(texts, refs, strict=True):
            if not found:
                continue
            spans = terms.token_spans(text, lexicon)
            whole += sum(any(a <= s and e <= b for a, b, _, _ in spans) for s, e, _ in found)
        found_hotspots = hotspots.find(appeals, top=10_000, dictionary=dictionary, discover=name == "after")
        found_hotspots.sort(key=lambda h: -h.count)
        seconds = time.perf_counter() - started
        top = found_hotspots[:args.top]
        keywords = fragments = naming = 0
        for h in top:
            members = [int(i) for i in h.member_ids]
            names = Counter(e for i in members for _, _, e in refs[i])
            keywords += len(h.keywords)
            fragments += sum(1 for k in h.keywords if any(k != e and k in e for e in names))
            naming += any(e in h.label for e in names)
        clustered = sum(h.count for h in found_hotspots)
        majority = sum(Counter(truth[i] for i in h.member_ids).most_common(1)[0][1] for h in found_hotspots)
        out[name] = {
            "entity_whole": round(whole / max(1, out["reference_entities"]), 3),  # type: ignore[arg-type]
            "keyword_fragments": round(fragments / max(1, keywords), 3),
            "labels_naming_entity": round(naming / max(1, len(top)), 3),
            "label_chars": round(sum(len(h.label) for h in top) / max(1, len(top)), 1),
            "purity": round(majority / max(1, clustered), 3), "clustered": clustered,
            "clusters": len(found_hotspots), "seconds": round(seconds, 2),
            "labels": [h.label for h in top[:12]],
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
