"""Pretrained Chinese word vectors: general knowledge of which words mean similar things.

A classifier trained on one platform's few thousand closed orders has never seen most words a
citizen may use; word vectors learned from a large general corpus tell it that 升降机 is
close to 电梯 and 客运站 to 客运. We read the 125,796 words × 100 dimensions word2vec vectors
(trained on Chinese Wikipedia) that the MIT-licensed ``synonyms`` package 3.10.2 ships inside
its distribution — a pinned dependency, so nothing is downloaded at run time. We never import
that package (its own code needs numpy 1); we only read its data file, in word2vec's binary
format, with numpy: no pickle, no code from the file.

The vectors are loaded once per process, on first use (about half a second, 50 MB)."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: What a model trained with these vectors records, so that it is never read with others.
SOURCE = "synonyms-3.10.2/words.vector"

_lock = threading.Lock()
_loaded: tuple[dict[str, int], np.ndarray] | None = None
_missing = False


def _path() -> Path | None:
    spec = importlib.util.find_spec("synonyms")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "words.vector"
    return path if path.is_file() else None


def read_word2vec(data: bytes) -> tuple[dict[str, int], np.ndarray]:
    """Parse word2vec's binary format: a header ``count dims``, then per word its UTF-8 text,
    a space and ``dims`` little-endian float32. Rows come back scaled to unit length."""
    header_end = data.index(b"\n")
    count, dims = (int(x) for x in data[:header_end].split())
    matrix = np.empty((count, dims), dtype=np.float32)
    index: dict[str, int] = {}
    pos = header_end + 1
    for row in range(count):
        space = data.index(b" ", pos)
        word = data[pos:space].decode("utf-8", "ignore").strip()
        pos = space + 1
        matrix[row] = np.frombuffer(data, dtype="<f4", count=dims, offset=pos)
        pos += 4 * dims
        if data[pos:pos + 1] == b"\n":
            pos += 1
        index.setdefault(word, row)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return index, matrix / np.maximum(norms, 1e-9)


def table() -> tuple[dict[str, int], np.ndarray] | None:
    """The word index and unit vectors, or None when the vectors are not installed."""
    global _loaded, _missing
    if _loaded is None and not _missing:
        with _lock:
            if _loaded is None and not _missing:
                path = _path()
                if path is None:
                    _missing = True
                else:
                    _loaded = read_word2vec(path.read_bytes())
    return _loaded


def embed(documents: Sequence[Sequence[str]], weights: dict[str, float], default: float) -> np.ndarray:
    """Each document (a list of words) as the weighted sum of its words' vectors, scaled to
    unit length; words without a vector are skipped, a document without any is all zeros."""
    loaded = table()
    if loaded is None:
        raise RuntimeError("word vectors are not installed")
    index, matrix = loaded
    out = np.zeros((len(documents), matrix.shape[1]), dtype=np.float32)
    for row, words in enumerate(documents):
        known = [w for w in words if w in index]
        if known:
            w = np.array([weights.get(word, default) for word in known], dtype=np.float32)
            out[row] = w @ matrix[[index[word] for word in known]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)
