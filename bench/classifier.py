"""The dispatch-suggestion classifier on a labelled file, by cross-validation.

    python bench/classifier.py --data ../shared/data/appeals-dev.tsv [--folds 5] [--repeats 2]

Reads the ``label<TAB>text`` file as ``hotline model evaluate`` does, splits its rows into
``--folds`` stratified folds (``--repeats`` times with different shuffles), trains on all folds
but one and scores the one left out — exactly as ``hotline model evaluate`` does with two files.
Prints one JSON object: the mean and spread of ``macro_f1`` and ``accuracy`` over the folds, and
``ms_per_order`` (one text at a time, as at intake).

    python bench/classifier.py --data ../shared/data/appeals-dev.tsv --units 60 --orders 30000

measures instead what a lead-unit model of a province costs to train: ``--orders`` texts drawn
from the file, each prefixed with one of ``--units`` (≤ 210) districts (a few large, many small), whose
label is the pair (the file's label, the district) — some 7 × ``--units`` labels that only the
text can tell apart. Trains on four fifths and prints ``train_s``, the number of ``labels``,
and ``accuracy``/``macro_f1``/``ms_per_order`` on up to 2,000 of the rest."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--units", type=int, default=0, help="districts of a synthetic lead-unit history")
    parser.add_argument("--orders", type=int, default=30_000)
    args = parser.parse_args()
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from hotline.intelligence import classifier

    texts, label_list = classifier.read_labelled(args.data.read_text(encoding="utf-8-sig"))
    labels = np.array(label_list)
    if args.units:
        unit_training(texts, labels.tolist(), args.units, args.orders)
        return
    results = []
    for seed in range(args.repeats):
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=seed)
        for train, test in folds.split(np.zeros(len(labels)), labels):
            model = classifier.train([texts[i] for i in train], labels[train].tolist(), calibrate=False)
            results.append(classifier.evaluate(model, [texts[i] for i in test], labels[test].tolist()))
    report({
        "benchmark": "classifier", "examples": len(texts), "labels": len(set(labels.tolist())),
        "folds": len(results),
        "macro_f1": round(statistics.mean(r["macro_f1"] for r in results), 4),
        "macro_f1_sd": round(statistics.stdev(r["macro_f1"] for r in results), 4),
        "accuracy": round(statistics.mean(r["accuracy"] for r in results), 4),
        "ms_per_order": round(statistics.mean(r["ms_per_order"] for r in results), 3),
    })


def unit_training(texts: list[str], labels: list[str], units: int, orders: int) -> None:
    import time

    import numpy as np

    from hotline.intelligence import classifier

    rng = np.random.default_rng(0)
    size = 1 / np.arange(1, units + 1) ** 0.8
    district = rng.choice(units, orders, p=size / size.sum())
    drawn = rng.integers(0, len(texts), orders)
    names = [f"{a}{b}区" for b in "东西南北中新上下前后左右内外" for a in "城湖山河江桥港林石田沙塘岭湾坪"]
    if units > len(names):
        raise SystemExit(f"--units: at most {len(names)}")
    xs = [f"{names[district[k]]}{texts[drawn[k]]}" for k in range(orders)]
    ys = [f"{labels[drawn[k]]}/{district[k]}" for k in range(orders)]
    cut = orders * 4 // 5
    started = time.perf_counter()
    model = classifier.train(xs[:cut], ys[:cut], calibrate=False)
    trained = time.perf_counter() - started
    scores = classifier.evaluate(model, xs[cut:cut + 2000], ys[cut:cut + 2000])
    report({"benchmark": "classifier-units", "orders": cut, "labels": len(model.labels),
            "train_s": round(trained, 1), **scores})


if __name__ == "__main__":
    main()
