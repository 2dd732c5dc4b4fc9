"""The dispatch-suggestion classifier on a labelled file, by cross-validation.

    python bench/classifier.py --data ../shared/data/appeals-dev.tsv [--folds 5] [--repeats 2]

Reads ``label<TAB>text`` lines after a header row, splits them into ``--folds`` stratified
folds (``--repeats`` times with different shuffles), trains on all folds but one and scores the
one left out — exactly as ``hotline model evaluate`` does with two files. Prints one JSON
object: the mean and spread of ``macro_f1`` and ``accuracy`` over the folds, and
``ms_per_order`` (one text at a time, as at intake)."""

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
    args = parser.parse_args()
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from hotline.intelligence import classifier

    lines = args.data.read_text(encoding="utf-8-sig").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines if "\t" in line]
    labels = np.array([p[0].strip() for p in pairs])
    texts = [p[1] for p in pairs]
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


if __name__ == "__main__":
    main()
