"""The text classifier behind dispatch suggestions (pure: no database).

What it learns: from appeals already handled — their text, and the label a person gave them
(the category, or the lead unit) — which label a new appeal's text points to. How:

* the text is normalised (full-width forms folded, letters lower-cased, every run of digits one
  ``0``: amounts and dates say little of who handles an appeal);
* features are its character uni- and bigrams, TF-IDF weighted with a logarithmic term
  frequency, leaving out those found in more than half the texts; and again those of its first
  50 characters — the title and the opening, where a citizen names the matter — as a second
  block. Characters rather than words: citizens' spelling, place names and new words need no
  dictionary, and on the development data they beat segmented words (and trigrams);
* a linear support vector machine, one label against the rest, with class weights that
  balance rare labels against common ones (the score we answer to is the macro F1);
* beside it, general knowledge: the text's words (segmented by jieba) as an IDF-weighted mean
  of pretrained word vectors (``vectors.py``), read by a logistic regression. Its
  log-probabilities join the SVM's with weight 0.15: the vectors know that 升降机 is an 电梯
  even when no training order said so. Without the vectors installed the SVM stands alone;
* the confidence shown beside each suggestion is a softmax of the joined scores, its
  temperature fitted on held-out folds of the training data so that it means what it says.

On the development set (1,842 real messages, 7 labels; 5-fold cross-validation repeated 5
times) each step moved the macro F1: character 1–3-grams alone 0.887; bigrams with the
document-frequency cap 0.892; with the opening block 0.896; with the word vectors 0.901.

A model is a handful of arrays; ``to_bytes``/``from_bytes`` store it without pickle (a model
row in the database cannot run code when loaded)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import rjieba
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from hotline.intelligence import vectors

NGRAMS = (1, 2)
#: An n-gram seen in fewer training texts than this is noise, not a feature.
MIN_DF = 2
#: An n-gram found in more than this share of the training texts tells the labels apart poorly.
MAX_DF = 0.5
#: The opening read a second time: titles are short, and the first sentence names the matter.
HEAD_CHARS = 50
#: The opening block's weight beside the whole text's.
HEAD_WEIGHT = 0.7
#: The SVM's regularisation (chosen by cross-validation on the development data: 0.3–3 all
#: within a point of each other).
C = 1.0
#: The word-vector reader's regularisation, and its share of the joined score.
VECTOR_C = 10.0
VECTOR_WEIGHT = 0.15
#: SVM decision values are scaled by this before they are read as log-probabilities.
SVM_SCALE = 4.0
#: The most threads a training uses.
MAX_THREADS = 4
#: The largest weights kept per label: a model of many labels (units) stays small.
MAX_WEIGHTS_PER_LABEL = 30_000
#: The longest text read: a long letter says what it is about early on.
MAX_CHARS = 3000
#: How many training texts the confidence temperature is fitted on at most.
CALIBRATION_SAMPLE = 6000
#: Temperatures tried for the confidence softmax (the joined score is already a
#: log-probability, so 1 is the natural middle; an SVM alone wants more).
TEMPERATURES = (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16)

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


def head(text: str) -> str:
    return normalise(text)[:HEAD_CHARS]


def words(text: str) -> list[str]:
    return [w for w in rjieba.cut(normalise(text)) if w.strip()]


def _vectorizer(ngrams: tuple[int, int], **kwargs: object) -> TfidfVectorizer:
    kwargs.setdefault("preprocessor", normalise)
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, dtype=np.float32,
                           **kwargs)


@dataclass
class Prediction:
    label: str
    confidence: float


@dataclass
class WordVectorReader:
    """The logistic regression over a text's mean word vector, and the word weights it was
    trained with (IDF over the training texts; an unseen word gets the largest)."""

    source: str
    words: list[str]
    idf: np.ndarray
    coef: np.ndarray  # labels × dimensions
    intercept: np.ndarray

    def __post_init__(self) -> None:
        self._weights = dict(zip(self.words, self.idf.tolist(), strict=True))
        self._default = float(self.idf.max()) if len(self.idf) else 1.0

    def log_proba(self, texts: Sequence[str]) -> np.ndarray:
        documents = [words(t) for t in texts]
        scores = vectors.embed(documents, self._weights, self._default) @ self.coef.T + self.intercept
        return _log_softmax(scores)


@dataclass
class Model:
    labels: list[str]
    vocabulary: list[str]
    idf: np.ndarray
    coef: sparse.csr_matrix  # labels × (whole-text features, then opening features)
    intercept: np.ndarray
    temperature: float
    head_vocabulary: list[str] = field(default_factory=list)
    head_idf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    ngrams: tuple[int, int] = NGRAMS
    reader: WordVectorReader | None = None

    def __post_init__(self) -> None:
        self._index = {t: i for i, t in enumerate(self.vocabulary)}
        self._head_index = {t: i for i, t in enumerate(self.head_vocabulary)}
        self._coef_t = self.coef.T.tocsr()

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        """The texts' TF-IDF rows, whole text then opening — what sklearn's vectorizer gives at
        training, computed directly: at intake one text is read at a time, and the vectorizer's
        own checks would cost more than the arithmetic."""
        data: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        indptr = [0]
        blocks = [(normalise, self._index, self.idf, 0, 1.0)]
        if self._head_index:
            blocks.append((head, self._head_index, self.head_idf, len(self.vocabulary), HEAD_WEIGHT))
        for text in texts:
            for read, index, idf, offset, weight in blocks:
                columns, values = _tfidf(read(text), index, idf, self.ngrams)
                indices.append(columns + offset)
                data.append(values * weight)
                indptr.append(indptr[-1] + len(columns))
        width = len(self.vocabulary) + len(self.head_vocabulary)
        rows = sparse.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr[::len(blocks)])),
                                 shape=(len(texts), width)) if texts else sparse.csr_matrix((0, width))
        return rows

    def svm_decision(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray((self._features(list(texts)) @ self._coef_t).todense()) + self.intercept

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """One score per label: the SVM's, joined with the word-vector reader's when there is
        one (then a log-probability)."""
        scores = self.svm_decision(texts)
        if self.reader is None or self.reader.source != vectors.SOURCE or vectors.table() is None:
            return scores
        return (1 - VECTOR_WEIGHT) * _log_softmax(SVM_SCALE * scores) + VECTOR_WEIGHT * self.reader.log_proba(texts)

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
        meta = {"labels": self.labels, "vocabulary": self.vocabulary, "head_vocabulary": self.head_vocabulary,
                "ngrams": list(self.ngrams), "temperature": self.temperature, "shape": list(coef.shape)}
        arrays = {"idf": self.idf.astype(np.float32), "head_idf": self.head_idf.astype(np.float32),
                  "data": coef.data.astype(np.float32), "indices": coef.indices.astype(np.int32),
                  "indptr": coef.indptr.astype(np.int64), "intercept": self.intercept.astype(np.float32)}
        if self.reader is not None:
            meta["reader"] = {"source": self.reader.source, "words": self.reader.words}
            arrays |= {"reader_idf": self.reader.idf.astype(np.float32),
                       "reader_coef": self.reader.coef.astype(np.float32),
                       "reader_intercept": self.reader.intercept.astype(np.float32)}
        encoded = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, meta=encoded, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        """A stored model; one stored before the opening block and the word vectors (character
        1–3-grams, no reader) reads as it was trained."""
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            coef = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(meta["shape"]))
            reader = None
            if "reader" in meta:
                reader = WordVectorReader(source=meta["reader"]["source"], words=meta["reader"]["words"],
                                          idf=z["reader_idf"], coef=z["reader_coef"],
                                          intercept=z["reader_intercept"])
            return cls(labels=meta["labels"], vocabulary=meta["vocabulary"], idf=z["idf"], coef=coef,
                       intercept=z["intercept"], temperature=float(meta["temperature"]),
                       head_vocabulary=meta.get("head_vocabulary", []),
                       head_idf=z["head_idf"] if "head_idf" in z else np.zeros(0, dtype=np.float32),
                       ngrams=tuple(meta.get("ngrams", (1, 3))), reader=reader)


def _tfidf(text: str, index: dict[str, int], idf: np.ndarray, ngrams: tuple[int, int]
           ) -> tuple[np.ndarray, np.ndarray]:
    """One text's known character n-grams (column numbers) and their weights: logarithmic term
    frequency times IDF, scaled to unit length — as ``TfidfVectorizer(sublinear_tf=True)``."""
    low, high = ngrams
    counts = Counter(text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1))
    known = [(index[gram], count) for gram, count in counts.items() if gram in index]
    if not known:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    known.sort()
    columns = np.array([c for c, _ in known], dtype=np.int32)
    values = (1 + np.log(np.array([n for _, n in known], dtype=np.float32))) * idf[columns]
    return columns, values / max(float(np.linalg.norm(values)), 1e-12)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _one_row_per_label(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A logistic regression keeps one row for two labels: the second label's score. Make it a
    row each, ``0, x`` (a sigmoid is a softmax over ``0, x``)."""
    coef = np.asarray(coef, dtype=np.float32)
    intercept = np.asarray(intercept, dtype=np.float32)
    if coef.shape[0] == 1:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.array([0.0, intercept[0]], dtype=np.float32)
    return coef, intercept


def _vocabulary(vectorizer: TfidfVectorizer) -> list[str]:
    terms = [""] * len(vectorizer.vocabulary_)
    for term, i in vectorizer.vocabulary_.items():
        terms[i] = term
    return terms


def _reader(texts: Sequence[str], labels: Sequence[str], classes: list[str]) -> WordVectorReader | None:
    loaded = vectors.table()
    if loaded is None:
        return None
    known = loaded[0]
    documents = [words(t) for t in texts]
    counter = TfidfVectorizer(analyzer=lambda d: d, dtype=np.float32).fit(documents)
    kept = [(w, float(counter.idf_[i])) for w, i in counter.vocabulary_.items() if w in known]
    weights = dict(kept)
    default = float(counter.idf_.max())
    regression = LogisticRegression(C=VECTOR_C, class_weight="balanced", max_iter=1000)
    regression.fit(vectors.embed(documents, weights, default), list(labels))
    if [str(c) for c in regression.classes_] != classes:
        return None
    coef, intercept = _one_row_per_label(regression.coef_, regression.intercept_)
    return WordVectorReader(source=vectors.SOURCE, words=[w for w, _ in kept],
                            idf=np.array([i for _, i in kept], dtype=np.float32), coef=coef, intercept=intercept)


def _threads() -> int:
    """The cores this process may use, at most ``MAX_THREADS`` (each thread's solver holds its
    own copy of the features: about 0.6 GB at 60,000 orders)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_THREADS, cores))


def _one_against_rest(features: sparse.csr_matrix, labels: Sequence[str]
                      ) -> tuple[list[str], sparse.csr_matrix, np.ndarray]:
    """One linear SVM per label, its examples against all the others — the problem
    ``LinearSVC(class_weight="balanced")`` solves (a label's examples weigh
    ``n / (labels × its count)``, the others 1) — trained label by label in as many threads as
    :func:`_threads` allows: the solver lets go of the interpreter, so a lead-unit model of
    hundreds of units trains about that many times faster, and only each label's ``MAX_WEIGHTS_PER_LABEL``
    largest weights are ever held rather than labels × features. (The solver's threads share
    one random stream, so two trainings may differ within its tolerance, about 1e-5.)"""
    classes, codes, counts = np.unique(np.asarray(labels, dtype=str), return_inverse=True, return_counts=True)
    balance = len(codes) / (len(classes) * counts)
    features = features.astype(np.float64)  # the solver's own type, once rather than per label
    features.sort_indices()

    def one(k: int) -> tuple[sparse.csr_matrix, float]:
        target = (codes == k).astype(np.int8)
        svm = LinearSVC(C=C).fit(features, target, sample_weight=np.where(target == 1, balance[k], 1.0))
        row = np.asarray(svm.coef_[0], dtype=np.float32)
        if len(row) > MAX_WEIGHTS_PER_LABEL:
            dropped = np.argpartition(-np.abs(row), MAX_WEIGHTS_PER_LABEL)[MAX_WEIGHTS_PER_LABEL:]
            row[dropped] = 0
        return sparse.csr_matrix(row), float(svm.intercept_[0])

    with ThreadPoolExecutor(max_workers=min(len(classes), _threads())) as pool:
        trained = list(pool.map(one, range(len(classes))))
    return ([str(c) for c in classes], sparse.vstack([row for row, _ in trained]).tocsr(),
            np.array([b for _, b in trained], dtype=np.float32))


def train(texts: Sequence[str], labels: Sequence[str], *, calibrate: bool = True) -> Model:
    """Learn a model from texts and their labels (at least two distinct labels)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(set(labels)) < 2:
        raise ValueError("need at least two labels")
    texts = list(texts)
    min_df = MIN_DF if len(texts) >= 50 else 1
    whole = _vectorizer(NGRAMS, min_df=min_df, max_df=MAX_DF if len(texts) >= 50 else 1.0)
    opening = _vectorizer(NGRAMS, min_df=min_df, preprocessor=head)
    features = sparse.hstack([whole.fit_transform(texts), HEAD_WEIGHT * opening.fit_transform(texts)]).tocsr()
    classes, coef, intercept = _one_against_rest(features, labels)
    model = Model(labels=classes, vocabulary=_vocabulary(whole), idf=np.asarray(whole.idf_, dtype=np.float32),
                  coef=coef, intercept=intercept, temperature=1.0,
                  head_vocabulary=_vocabulary(opening), head_idf=np.asarray(opening.idf_, dtype=np.float32),
                  reader=_reader(texts, labels, classes))
    if calibrate:
        model.temperature = _temperature(texts, labels)
    return model


def _temperature(texts: Sequence[str], labels: Sequence[str]) -> float:
    """The softmax temperature that makes held-out confidences honest (least log loss over
    up to three folds); 1 when the data is too small to tell."""
    if len(texts) > CALIBRATION_SAMPLE:  # the temperature needs a sample, not the whole history
        keep = np.random.default_rng(0).choice(len(texts), CALIBRATION_SAMPLE, replace=False)
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    counts = Counter(labels)
    folds = min(3, min(counts.values()))
    if folds < 2 or len(counts) < 2:
        return 1.0
    y = np.array(labels)
    losses = dict.fromkeys(TEMPERATURES, 0.0)
    for fold_train, fold_test in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        if len(set(y[fold_train].tolist())) < 2:
            continue
        model = train([texts[i] for i in fold_train], y[fold_train].tolist(), calibrate=False)
        scores = model.decision([texts[i] for i in fold_test])
        index = {label: i for i, label in enumerate(model.labels)}
        truth = np.array([index.get(label, -1) for label in y[fold_test]])
        seen = truth >= 0
        for t in TEMPERATURES:
            p = _softmax(scores, t)
            losses[t] -= float(np.log(np.clip(p[np.where(seen)[0], truth[seen]], 1e-9, 1)).sum())
    return min(TEMPERATURES, key=lambda t: losses[t])


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


def read_labelled(content: str) -> tuple[list[str], list[str]]:
    """Texts and labels of a ``label<TAB>text`` file after its header row. Read as the
    tab-separated CSV such files are written as: a text holding a quote, a tab or a line
    break comes in quotes with its quotes doubled (``"...被""离婚""..."``) and is read back
    as written. Raises ``ValueError`` naming the first line that has no text."""
    texts: list[str] = []
    labels: list[str] = []
    csv.field_size_limit(max(csv.field_size_limit(), len(content)))  # a long letter is one field
    reader = csv.reader(io.StringIO(content, newline=""), delimiter="\t")
    try:
        next(reader, None)  # the header
        for row in reader:
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2 or not row[0].strip():
                raise ValueError(f"line {reader.line_num}: expected label<TAB>text")
            labels.append(row[0].strip())
            texts.append("\t".join(row[1:]))
    except csv.Error as error:
        raise ValueError(f"line {reader.line_num}: {error}") from None
    return texts, labels


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
