"""The hotspot engine on a year of message-board appeals with planted matters.

    python bench/hotspots.py [--background ../shared/data/appeals-dev.tsv] [--seed 0]
                             [--terms bench/data/hotspot_terms_example.tsv] [--no-discovery]

The background is the real appeals of the development file, each about its own matter (some
share a topic, as 公积金 loans do), spread evenly over a year. The planted matters
(``bench/data/hotspot_matters_*.tsv``: ``matter<TAB>title<TAB>text``) are posts by many hands
about one concrete local problem each — an estate beside a metro site, a school canteen, a
collapsed lending platform — worded differently by each writer and posted within a few months
of each other. Likes are heavy-tailed, as on a real board.

Runs ``hotline hotspots --input board.csv --top 10`` on them, exactly as an operator would, and
prints one JSON object: for each planted matter its size, the rank of the hotspot that holds most
of it (``null`` when none of the ten does), recall (its posts found there) and precision (that
hotspot's posts that belong to it); how many matters reached the top ten, the mean recall over
all matters (a missed one counts 0), the mean precision over those found, and the seconds.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HOTLINE, ROOT, report

YEAR = dt.datetime(2019, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _likes(rng: random.Random) -> int:
    """Most posts get none or a few; one in fifty gets hundreds."""
    roll = rng.random()
    if roll < 0.6:
        return 0
    if roll < 0.98:
        return rng.randint(1, 12)
    return rng.randint(100, 2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--background", type=Path, default=ROOT.parent / "shared/data/appeals-dev.tsv")
    parser.add_argument("--matters", type=Path, nargs="*",
                        default=sorted((ROOT / "bench/data").glob("hotspot_matters_*.tsv")))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--terms", type=Path, help="a term dictionary (.tsv), as an administrator keeps one")
    parser.add_argument("--no-discovery", action="store_true", help="no terms found in the texts (as before terms)")
    args = parser.parse_args()
    from hotline.intelligence import classifier

    rng = random.Random(args.seed)
    background, _ = classifier.read_labelled(args.background.read_text(encoding="utf-8-sig"))
    rows: list[tuple[str, str, str, dt.datetime, int]] = []
    for n, text in enumerate(background):
        rows.append((f"b{n}", text[:20], text, YEAR + dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                     _likes(rng)))
    truth: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for path in args.matters:
        with path.open(encoding="utf-8", newline="") as fh:
            posts = list(csv.DictReader(fh, delimiter="\t"))
        by_matter: dict[str, list[dict[str, str]]] = {}
        for post in posts:
            by_matter.setdefault(post["matter"], []).append(post)
        for matter, members in by_matter.items():
            start = YEAR + dt.timedelta(days=rng.randrange(300))
            days = rng.randint(20, 120)
            sizes[matter] = len(members)
            for n, post in enumerate(members):
                key = f"{matter}-{n}"
                truth[key] = matter
                rows.append((key, post["title"], post["text"],
                             start + dt.timedelta(minutes=rng.randrange(days * 24 * 60)), _likes(rng)))
    rng.shuffle(rows)
    with tempfile.TemporaryDirectory() as folder:
        board = Path(folder) / "board.csv"
        with board.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "title", "text", "time", "likes"])
            writer.writerows([key, title, text, moment.strftime("%Y/%m/%d %H:%M:%S"), likes]
                             for key, title, text, moment, likes in rows)
        started = time.perf_counter()
        extra = [*(["--terms", str(args.terms)] if args.terms else []),
                 *(["--no-discovery"] if args.no_discovery else [])]
        out = subprocess.run([str(HOTLINE), "hotspots", "--input", str(board), "--top", "10", *extra],
                             check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - started
    found = json.loads(out)
    matters = {}
    for matter, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        best = max(range(len(found)), default=None,
                   key=lambda r: sum(truth.get(i) == matter for i in found[r]["member_ids"]))
        hits = sum(truth.get(i) == matter for i in found[best]["member_ids"]) if best is not None else 0
        matters[matter] = {
            "size": size, "rank": best + 1 if hits else None, "recall": round(hits / size, 3),
            "precision": round(hits / found[best]["count"], 3) if hits and best is not None else None,
        }
    reached = [m for m in matters.values() if m["rank"] is not None]
    report({
        "benchmark": "hotspots", "appeals": len(rows), "planted_matters": len(sizes),
        "in_top_10": len(reached),
        "mean_recall": round(sum(m["recall"] for m in matters.values()) / max(1, len(matters)), 3),
        "mean_precision": round(sum(m["precision"] or 0 for m in reached) / max(1, len(reached)), 3),
        "seconds": round(seconds, 2), "matters": matters,
        "top_10": [{"label": h["label"], "count": h["count"], "heat": h["heat"], "terms": h.get("terms")}
                   for h in found],
    })


if __name__ == "__main__":
    main()
