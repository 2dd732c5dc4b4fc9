"""Is a new appeal a repeat of one already registered? (pure: the candidates are handed in)

Citizens repeat themselves — calling again because nothing happened yet, writing on the
message board after calling, several neighbours reporting the same broken main. A candidate
(an order of the same caller, or of the same place, registered within the window) is scored by
how alike the two texts are — the share of character pairs they have in common, which needs
no dictionary and forgives different wording of the same facts — and by whether the caller
and the place are the same. Each likely duplicate comes with the reasons to show the agent."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

#: How much of a text is compared (the title and the opening say what it is about).
TEXT_CHARS = 160
#: Weights of the evidence, and when a candidate is a likely duplicate.
TEXT_WEIGHT, CALLER_WEIGHT, PLACE_WEIGHT = 0.6, 0.25, 0.15
LIKELY_TEXT = 0.5  # alike enough on their own
LIKELY_TEXT_SAME_CALLER = 0.25  # the same person on the same matter in other words
LIKELY_TEXT_SAME_PLACE = 0.35  # a neighbour reporting the same thing
ADDRESS_ALIKE = 0.6

_NOISE = re.compile(r"[\s\d，。！？、；：,.!?;:“”\"'（）()【】\[\]《》<>…—\-]+")


def shingles(text: str) -> frozenset[str]:
    """The character pairs of a text's opening, punctuation, spaces and digits left out."""
    clean = _NOISE.sub("", (text or "")[: TEXT_CHARS * 2])[:TEXT_CHARS].lower()
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i:i + 2] for i in range(len(clean) - 1))


def alike(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


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
    mine = shingles(probe.text)
    place = shingles(probe.address or "") if probe.address else frozenset()
    out: list[Likely] = []
    for c in candidates:
        text = alike(mine, shingles(c.text))
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
