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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import chain

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


def rank(probe: Probe, candidates: Iterable[Candidate], limit: int = 5) -> list[Likely]:
    """The likely duplicates among ``candidates``, most likely first."""
    candidates = list(candidates)
    mine = shingles(probe.text)
    theirs = [shingles(c.text) for c in candidates]
    weight = _weights([mine, *theirs])
    numbers = set(_NUMBER.findall(probe.text or ""))
    place = shingles(probe.address or "") if probe.address else frozenset()
    out: list[Likely] = []
    for c, pairs in zip(candidates, theirs, strict=True):
        other = set(_NUMBER.findall(c.text or ""))
        if numbers and other and not numbers & other:
            continue  # another house: another matter
        found = _judge(probe, c, alike(mine, pairs, weight), place)
        if found is not None:
            out.append(found)
    out.sort(key=lambda x: (-x.score, -x.id))
    return out[:limit]


def _judge(probe: Probe, c: Candidate, text: float, place: frozenset[str]) -> Likely | None:
    """A candidate whose text is ``text`` alike the probe's, with the caller and the place
    weighed in: likely the same appeal (with its reasons and score), or None.
    ``place``: the pairs of the probe's address."""
    caller = probe.citizen_id is not None and probe.citizen_id == c.citizen_id
    same_place = bool(probe.region_code and probe.region_code == c.region_code)
    if place and c.address and alike(place, shingles(c.address)) >= ADDRESS_ALIKE:
        same_place = True
    if not (text >= LIKELY_TEXT or (caller and text >= LIKELY_TEXT_SAME_CALLER)
            or (same_place and text >= LIKELY_TEXT_SAME_PLACE)):
        return None
    reasons = [f"内容相似 {round(100 * text)}%"]
    if caller:
        reasons.append("同一来电人")
    if same_place:
        reasons.append("同一地点")
    score = TEXT_WEIGHT * text + CALLER_WEIGHT * caller + PLACE_WEIGHT * same_place
    return Likely(id=c.id, score=round(score, 4), text_similarity=round(text, 4), reasons=tuple(reasons))


def same_address(a: str | None, b: str | None) -> bool:
    """Whether two addresses may name the same spot: yes when either is missing (the region
    alone then says where), no when they name different house numbers, else when their names
    (the numbers taken out) are alike (``ADDRESS_ALIKE``). Used at intake, where a repeat of a
    catalogue appeal joins its main order (docs/adr/0014-merging-catalogue-duplicates.md)."""
    if not a or not b:
        return True
    mine, theirs = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    if mine and theirs and not mine & theirs:
        return False
    # the names with the numbers taken out: 建设路19号 and 解放路19号 share a number, not a street
    name_a, name_b = shingles(_NUMBER.sub(" ", a)), shingles(_NUMBER.sub(" ", b))
    if not name_a or not name_b:
        return True  # a bare number on one side: the region and the number say where
    return alike(name_a, name_b) >= ADDRESS_ALIKE


#: A pair is rare in a pool when at most ``RARE`` of its candidates have it (one in sixteen of
#: a full pool).
RARE = 25
#: A candidate is scored only when it shares rare pairs making at least this share of the
#: smaller text's pairs (at least two): below it, it cannot be alike enough.
MIN_SHARED_RARE = 0.08
#: Candidates a pool holds at most (a place's newest).
POOL_SIZE = 400


class Pool:
    """The candidates of one place prepared once for many probes (a board import ranks
    thousands of messages against the same recent orders): each candidate's pairs, house
    numbers and weighted mass are computed once. Ranking a probe then only looks at the pairs
    it shares with each candidate that shares enough rare ones (``RARE``,
    ``MIN_SHARED_RARE``), with :func:`rank`'s scores: the pairs weighted by their
    rarity among the pool and the probe (``_weights``); candidates added later (earlier
    messages of the same batch) are weighted as the pool was when it was made."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates = list(candidates)
        self.sets = [shingles(c.text) for c in self.candidates]
        self.df: dict[str, int] = {}
        for s in self.sets:
            for g in s:
                self.df[g] = self.df.get(g, 0) + 1
        self.n = len(self.sets) + 1 + PRIOR_DOCUMENTS  # the probe counts as one more document
        top = math.log((self.n + 1) / 0.5) ** 2  # the weight of a pair no candidate of the pool has
        self.w2: dict[str, float] = {g: math.log((self.n + 1) / (d + 0.5)) ** 2 for g, d in self.df.items()}
        self._unknown = top
        # a pair's weight with the probe counted, by how many of the pool's candidates have it
        self._with_probe = [math.log((self.n + 1) / (d + 1.5)) ** 2 for d in range(len(self.sets) + 1)]
        self.numbers = [set(_NUMBER.findall(c.text or "")) for c in self.candidates]
        self.masses = [sum(map(self.w2.__getitem__, s)) for s in self.sets]
        self.postings: dict[str, list[int]] = {}
        for i, s in enumerate(self.sets):
            for g in s:
                self.postings.setdefault(g, []).append(i)
        # the postings of the pairs still rare in the pool (at most ``RARE`` candidates have them)
        self.rare = {g: p for g, p in self.postings.items() if len(p) <= RARE}

    def rename(self, ids: Mapping[int, int]) -> None:
        """Give candidates added under a provisional id (an appeal of a batch) their order's id."""
        self.candidates = [replace(c, id=ids[c.id]) if c.id in ids else c for c in self.candidates]

    def add(self, candidate: Candidate, pairs: frozenset[str] | None = None) -> None:
        """A newer candidate. Only the newest ``POOL_SIZE`` are ranked; past four times as many
        the pool keeps those, weighted anew."""
        if len(self.sets) >= 4 * POOL_SIZE:
            self.__init__(self.candidates[len(self.candidates) - POOL_SIZE:])  # type: ignore[misc]
        pairs = pairs if pairs is not None else shingles(candidate.text)
        n, unknown, w2, rare = len(self.sets), self._unknown, self.w2, self.rare
        for g in pairs:
            posting = rare.get(g)
            if posting is not None:
                posting.append(n)
                if len(posting) > RARE:  # common now: never read again
                    del rare[g]
            elif g not in w2:
                w2[g] = unknown
                rare[g] = self.postings[g] = [n]
        self.candidates.append(candidate)
        self.sets.append(pairs)
        self.numbers.append(set(_NUMBER.findall(candidate.text or "")))
        self.masses.append(sum(map(self.w2.__getitem__, pairs)))

    def rank(self, probe: Probe, limit: int = 5, mine: frozenset[str] | None = None) -> list[Likely]:
        """As :func:`rank` over the pool's candidates."""
        mine = mine if mine is not None else shingles(probe.text)
        if not mine:
            return []
        table, df_get = self._with_probe, self.df.get
        own = {g: table[df_get(g, 0)] for g in mine}  # the probe's pairs, counted once more
        own_get, w2_get = own.__getitem__, self.w2.__getitem__
        mass_mine = sum(own.values())
        numbers = set(_NUMBER.findall(probe.text or ""))
        place = shingles(probe.address or "") if probe.address else frozenset()
        # only candidates sharing a pair that is rare in the pool can be alike enough: the
        # common pairs (the place's name, 希望, 处理) weigh little
        counted = Counter(chain.from_iterable(filter(None, map(self.rare.get, mine))))
        least = len(mine) * MIN_SHARED_RARE
        sets = self.sets
        out: list[Likely] = []
        oldest = len(sets) - POOL_SIZE
        for i, count in counted.items():
            if i < oldest or count < 2 or count < min(least, len(sets[i]) * MIN_SHARED_RARE):
                continue
            c, pairs, other, base = self.candidates[i], self.sets[i], self.numbers[i], self.masses[i]
            if numbers and other and not numbers & other:
                continue
            both = mine & pairs
            if not both or not pairs:
                continue
            shared = sum(map(own_get, both))
            mass = base + shared - sum(map(w2_get, both))
            if not mass_mine or mass <= 0:
                continue
            cosine = shared / math.sqrt(mass_mine * mass)
            text = cosine if min(len(mine), len(pairs)) < MIN_CONTAINED \
                else (cosine + shared / min(mass_mine, mass)) / 2
            found = _judge(probe, c, text, place)
            if found is not None:
                out.append(found)
        out.sort(key=lambda x: (-x.score, -x.id))
        return out[:limit]
