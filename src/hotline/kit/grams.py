"""Character bigrams: the terms of a substring index over Chinese text (pure, no I/O).

Chinese has no spaces, and a word index (jieba) finds a word only where the segmenter cut the
text the same way around it. A bigram index finds every substring: the text 小区噪音扰民 has
the terms 小区 区噪 噪音 音扰 扰民, and any substring of two or more characters — 噪音, 区噪音,
噪音扰民 — has all of its bigrams among them. The index only narrows the candidates; the caller
confirms each one by the substring itself (``LIKE``), so a search finds exactly the texts that
contain the query, on SQLite (FTS5) and PostgreSQL (a GIN index over an array) alike.

Text is lowered and cut into runs at whitespace and punctuation; a bigram never spans two
runs (a query 噪音，扰民 looks for 噪音 and 扰民, each a run of its own)."""

from __future__ import annotations

import re
import unicodedata

#: Word characters of any script (letters, digits, CJK ideographs), underscores excluded.
_RUN = re.compile(r"[^\W_]+")
#: How many terms a query uses at most: its bigrams spread over its length. More would only
#: make the index intersect longer lists; the substring check does the rest.
MAX_QUERY_TERMS = 8


def runs(text: str) -> list[str]:
    """The text's runs of word characters, normalised (NFKC: full-width digits and letters
    become ASCII) and lowered."""
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def bigrams(text: str) -> list[str]:
    """The distinct bigrams of ``text`` in order of first appearance; a run of one character
    is a term by itself."""
    seen: dict[str, None] = {}
    for run in runs(text):
        if len(run) == 1:
            seen.setdefault(run, None)
            continue
        for i in range(len(run) - 1):
            seen.setdefault(run[i:i + 2], None)
    return list(seen)


def document(*parts: str | None) -> str:
    """The index document of a record: the distinct bigrams of its texts, separated by spaces."""
    return " ".join(bigrams(" ".join(p for p in parts if p)))


def query_terms(query: str) -> list[str] | None:
    """The terms to look up for ``query`` (at most :data:`MAX_QUERY_TERMS`, spread over it), or
    ``None`` when the query has no run of two characters or more (a single character cannot
    be looked up: the caller asks for a longer query)."""
    found: list[str] = []
    for run in runs(query):
        if len(run) < 2:
            continue
        for i in range(len(run) - 1):
            gram = run[i:i + 2]
            if gram not in found:
                found.append(gram)
    if not found:
        return None
    if len(found) <= MAX_QUERY_TERMS:
        return found
    step = (len(found) - 1) / (MAX_QUERY_TERMS - 1)
    return [found[round(i * step)] for i in range(MAX_QUERY_TERMS)]
