"""The text classifier behind dispatch suggestions (pure: no database, no files).

What it learns: from appeals already handled — their text, and the label a person gave them
(the category, or the lead unit) — which label a new appeal's text points to. How:

* the text is normalised (full-width forms folded, letters lower-cased, every run of digits one
  ``0``: amounts and dates say little of who handles an appeal);
* features are its character n-grams of one to three characters, TF-IDF weighted with a
  logarithmic term frequency. Characters rather than words: citizens' spelling, place names
  and new words need no dictionary, and on the development data they beat segmented words;
* a linear support vector machine, one label against the rest, with class weights that
  balance rare labels against common ones (the score we answer to is the macro F1);
* the confidence shown beside each suggestion is a softmax of the decision values, its
  temperature fitted on held-out folds of the training data so that it means what it says.

A model is a handful of arrays; ``to_bytes``/``from_bytes`` store it without pickle (a model
row in the database cannot run code when loaded)."""

from __future__ import annotations

import io
import json
import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

NGRAMS = (1, 3)
#: An n-gram seen in fewer training texts than this is noise, not a feature.
MIN_DF = 2
#: The SVM's regularisation (chosen by cross-validation on the development data: 0.3–3 all
#: within a point of each other).
C = 1.0
#: The largest weights kept per label: a model of many labels (units) stays small.
MAX_WEIGHTS_PER_LABEL = 30_000
#: The longest text read: a long letter says what it is about early on.
MAX_CHARS = 3000
#: How many training texts the confidence temperature is fitted on at most.
CALIBRATION_SAMPLE = 6000
#: Temperatures tried for the confidence softmax.
TEMPERATURES = (0.5, 1, 2, 3, 4, 6, 8, 12, 16)

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


def _vectorizer(**kwargs: object) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, preprocessor=normalise,
                           dtype=np.float32, **kwargs)


@dataclass
class Prediction:
    label: str
    confidence: float


@dataclass
class Model:
    labels: list[str]
    vocabulary: list[str]
    idf: np.ndarray
    coef: sparse.csr_matrix  # labels × features
    intercept: np.ndarray
    temperature: float

    def __post_init__(self) -> None:
        self._vectorizer = _vectorizer(vocabulary={t: i for i, t in enumerate(self.vocabulary)})
        self._vectorizer.idf_ = self.idf
        self._coef_t = self.coef.T.tocsr()

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        features = self._vectorizer.transform(list(texts))
        return np.asarray((features @ self._coef_t).todense()) + self.intercept

    def predict(self, texts: Sequence[str], top: int = 3) -> list[list[Prediction]]:
        """The ``top`` likeliest labels of each text, with their confidence (0–1)."""
        if not texts:
            return []
        scores = self.decision(texts)
        out = []
        for row in _softmax(scores, self.temperature):
            best = np.argsort(-row)[:top]
            out.append([Prediction(self.labels[i], round(float(row[i]), 4)) for i in best])
        return out

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        coef = self.coef.tocsr()
        np.savez_compressed(buffer, idf=self.idf.astype(np.float32), data=coef.data.astype(np.float32),
                            indices=coef.indices.astype(np.int32), indptr=coef.indptr.astype(np.int64),
                            intercept=self.intercept.astype(np.float32),
                            meta=np.frombuffer(json.dumps({"labels": self.labels, "vocabulary": self.vocabulary,
                                                           "temperature": self.temperature,
                                                           "shape": list(coef.shape)},
                                                          ensure_ascii=False).encode(), dtype=np.uint8))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            coef = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(meta["shape"]))
            return cls(labels=meta["labels"], vocabulary=meta["vocabulary"], idf=z["idf"], coef=coef,
                       intercept=z["intercept"], temperature=float(meta["temperature"]))


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit(texts: Sequence[str], labels: Sequence[str]) -> tuple[TfidfVectorizer, LinearSVC]:
    vectorizer = _vectorizer(min_df=MIN_DF if len(texts) >= 50 else 1)
    features = vectorizer.fit_transform(list(texts))
    svm = LinearSVC(C=C, class_weight="balanced")
    svm.fit(features, list(labels))
    return vectorizer, svm


def _temperature(texts: Sequence[str], labels: Sequence[str]) -> float:
    """The softmax temperature that makes held-out confidences honest (least log loss over
    up to three folds); 4 when the data is too small to tell."""
    if len(texts) > CALIBRATION_SAMPLE:  # the temperature needs a sample, not the whole history
        keep = np.random.default_rng(0).choice(len(texts), CALIBRATION_SAMPLE, replace=False)
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    counts = Counter(labels)
    folds = min(3, min(counts.values()))
    if folds < 2 or len(counts) < 2:
        return 4.0
    y = np.array(labels)
    losses = dict.fromkeys(TEMPERATURES, 0.0)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        vectorizer, svm = _fit([texts[i] for i in train], y[train])
        scores = svm.decision_function(vectorizer.transform([texts[i] for i in test]))
        if scores.ndim == 1:  # two labels: one column
            scores = np.column_stack([-scores, scores])
        index = {label: i for i, label in enumerate(svm.classes_)}
        truth = np.array([index.get(label, -1) for label in y[test]])
        for t in TEMPERATURES:
            p = _softmax(scores, t)
            seen = truth >= 0
            losses[t] -= float(np.log(np.clip(p[np.where(seen)[0], truth[seen]], 1e-9, 1)).sum())
    return min(TEMPERATURES, key=lambda t: losses[t])


def train(texts: Sequence[str], labels: Sequence[str], *, calibrate: bool = True) -> Model:
    """Learn a model from texts and their labels (at least two distinct labels)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(set(labels)) < 2:
        raise ValueError("need at least two labels")
    vectorizer, svm = _fit(texts, labels)
    coef = np.asarray(svm.coef_, dtype=np.float32)
    if coef.shape[0] == 1:  # two labels: make it one row per label
        coef = np.vstack([-coef, coef])
        intercept = np.array([-svm.intercept_[0], svm.intercept_[0]], dtype=np.float32)
    else:
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
    if coef.shape[1] > MAX_WEIGHTS_PER_LABEL:
        k = MAX_WEIGHTS_PER_LABEL
        cutoff = -np.partition(-np.abs(coef), k - 1, axis=1)[:, k - 1:k]  # each label's k-th largest weight
        coef = np.where(np.abs(coef) >= cutoff, coef, 0)
    vocabulary = [""] * len(vectorizer.vocabulary_)
    for term, i in vectorizer.vocabulary_.items():
        vocabulary[i] = term
    return Model(labels=[str(c) for c in svm.classes_], vocabulary=vocabulary,
                 idf=np.asarray(vectorizer.idf_, dtype=np.float32), coef=sparse.csr_matrix(coef),
                 intercept=intercept, temperature=_temperature(texts, labels) if calibrate else 4.0)


def evaluate(model: Model, texts: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro F1 over the labels of the test set, and time per text (one at a time,
    as at intake)."""
    started = time.perf_counter()
    predicted = [model.predict([t], top=1)[0][0].label for t in texts]
    elapsed = time.perf_counter() - started
    return {"accuracy": round(float(accuracy_score(labels, predicted)), 4),
            "macro_f1": round(float(f1_score(labels, predicted, average="macro", labels=sorted(set(labels)),
                                             zero_division=0)), 4),
            "ms_per_order": round(1000 * elapsed / max(1, len(texts)), 3)}


def split(labels: Sequence[str], share: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices of a stratified hold-out split (``share`` for testing), for a new version's
    metrics; every label with at least two examples is on both sides."""
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    rng = np.random.default_rng(seed)
    train_idx: list[int] = []
    test_idx: list[int] = []
    for members in by_label.values():
        members = list(rng.permutation(members))
        k = math.floor(len(members) * share) if len(members) >= 2 else 0
        k = max(k, 1) if len(members) >= 5 else k
        test_idx += members[:k]
        train_idx += members[k:]
    return sorted(train_idx), sorted(test_idx)
