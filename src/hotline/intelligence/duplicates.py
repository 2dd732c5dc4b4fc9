"""Is a new appeal a repeat of one already registered? (pure: the candidates are handed in)

Citizens repeat themselves — calling again because nothing happened yet, writing on the
message board after calling, several neighbours reporting the same broken main. A candidate
(an order of the same caller, or of the same place, registered within the window) is scored by
how alike the two texts are and by whether the caller and the place are the same.

Texts are compared by their character pairs, which needs no dictionary and forgives different
wording of the same facts. The pairs are weighted by how rare they are among the candidates
themselves (the place's recent orders): the words every appeal of the place uses — the
township's name, 希望, 处理 — count little, a street name or a house number counts much. Two
texts that name different house numbers (幸福路 12 号, 幸福路 18 号) are different matters,
however alike the rest. Each likely duplicate comes with the reasons to show the agent."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: How much of a text is compared (the title and the opening say what it is about).
TEXT_CHARS = 160
#: Weights of the evidence, and when a candidate is a likely duplicate.
TEXT_WEIGHT, CALLER_WEIGHT, PLACE_WEIGHT = 0.6, 0.25, 0.15
LIKELY_TEXT = 0.55  # alike enough on their own
LIKELY_TEXT_SAME_CALLER = 0.25  # the same person on the same matter in other words
LIKELY_TEXT_SAME_PLACE = 0.3  # a neighbour reporting the same thing
ADDRESS_ALIKE = 0.6
PRIOR_DOCUMENTS = 30
MIN_CONTAINED = 10

_NOISE = re.compile(r"[\s，。！？、；：,.!?;:“”\"'（）()【】\[\]《》<>…—\-]+")
#: A house, building, unit or room number: two texts naming different ones are about different places.
_NUMBER = re.compile(r"(\d+)\s*(?:号|栋|幢|单元|室|弄)")


def shingles(text: str) -> frozenset[str]:
    """The character pairs of a text's opening, punctuation and spaces left out."""
    clean = _NOISE.sub("", (text or "")[: TEXT_CHARS * 2])[:TEXT_CHARS].lower()
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i:i + 2] for i in range(len(clean) - 1))


def alike(a: frozenset[str], b: frozenset[str], weight: Mapping[str, float] | None = None) -> float:
    """How alike two sets of pairs are, each pair weighted (1 without weights): the mean of
    their cosine and of how much of the shorter the longer holds — a one-line repeat of a long
    letter is the same matter, though their cosine is low (the containment counts only when
    the shorter has ``MIN_CONTAINED`` pairs: a few words are contained everywhere)."""
    if not a or not b:
        return 0.0

    def mass(s: frozenset[str]) -> float:
        return sum(weight[g] ** 2 for g in s) if weight is not None else float(len(s))

    shared, ma, mb = mass(a & b), mass(a), mass(b)
    if not ma or not mb:
        return 0.0
    cosine = shared / math.sqrt(ma * mb)
    if min(len(a), len(b)) < MIN_CONTAINED:
        return cosine
    return (cosine + shared / min(ma, mb)) / 2


def _weights(sets: list[frozenset[str]]) -> dict[str, float]:
    """Inverse document frequency of each pair among the sets, as if ``PRIOR_DOCUMENTS`` more
    texts without it were there: among a handful of candidates every pair counts about alike."""
    df: dict[str, int] = {}
    for s in sets:
        for g in s:
            df[g] = df.get(g, 0) + 1
    n = len(sets) + PRIOR_DOCUMENTS
    return {g: math.log((n + 1) / (d + 0.5)) for g, d in df.items()}


@dataclass(frozen=True)
class Probe:
    text: str
    citizen_id: int | None = None
    region_code: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Candidate:
    id: int
    text: str
    citizen_id: int | None
    region_code: str | None
    address: str | None
    registered_at: dt.datetime


@dataclass(frozen=True)
class Likely:
    id: int
    score: float
    text_similarity: float
    reasons: tuple[str, ...]


def rank(probe: Probe, candidates: Iterable[Candidate], limit: int = 5,
         prepared: list[frozenset[str]] | None = None) -> list[Likely]:
    """The likely duplicates among ``candidates``, most likely first. ``prepared``: the
    candidates' :func:`shingles`, when the caller ranks many probes against the same ones."""
    candidates = list(candidates)
    mine = shingles(probe.text)
    theirs = prepared if prepared is not None else [shingles(c.text) for c in candidates]
    weight = _weights([mine, *theirs])
    numbers = set(_NUMBER.findall(probe.text or ""))
    place = shingles(probe.address or "") if probe.address else frozenset()
    out: list[Likely] = []
    for c, pairs in zip(candidates, theirs, strict=True):
        other = set(_NUMBER.findall(c.text or ""))
        if numbers and other and not numbers & other:
            continue  # another house: another matter
        text = alike(mine, pairs, weight)
        caller = probe.citizen_id is not None and probe.citizen_id == c.citizen_id
        same_place = bool(probe.region_code and probe.region_code == c.region_code)
        if place and c.address and alike(place, shingles(c.address)) >= ADDRESS_ALIKE:
            same_place = True
        if not (text >= LIKELY_TEXT or (caller and text >= LIKELY_TEXT_SAME_CALLER)
                or (same_place and text >= LIKELY_TEXT_SAME_PLACE)):
            continue
        reasons = [f"内容相似 {round(100 * text)}%"]
        if caller:
            reasons.append("同一来电人")
        if same_place:
            reasons.append("同一地点")
        score = TEXT_WEIGHT * text + CALLER_WEIGHT * caller + PLACE_WEIGHT * same_place
        out.append(Likely(id=c.id, score=round(score, 4), text_similarity=round(text, 4), reasons=tuple(reasons)))
    out.sort(key=lambda x: (-x.score, -x.id))
    return out[:limit]


def same_address(a: str | None, b: str | None) -> bool:
    """Whether two addresses may name the same spot: yes when either is missing (the region
    alone then says where), no when they name different house numbers, else when alike
    (``ADDRESS_ALIKE``). Used at intake, where a repeat of a catalogue appeal joins its
    main order (docs/adr/0014-merging-catalogue-duplicates.md)."""
    if not a or not b:
        return True
    mine, theirs = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    if mine and theirs and not mine & theirs:
        return False
    return alike(shingles(a), shingles(b)) >= ADDRESS_ALIKE
