"""Where an appeal is about, read from its text and address (pure: the gazetteer is handed in).

The gazetteer holds every region's name (青川市, 东华街道), its short form (青川, 东华: the
region's own short name, or its name without the administrative suffix), and the streets,
communities and landmarks registered for a region (幸福路, 滨江公园). The text is scanned
left to right, taking at each point the longest name that starts there.

A name may belong to several regions (two cities may each have a 东城区; a short form is
easily shared). Each candidate region is backed by every match that names it or a region
containing it — by how it was named (a full name or a registered place counts more than a
short form) and where (the address, where the thing happened, counts more than the text) — so
"青川市东城区" settles which 东城区, and the most specific place the evidence supports wins. A
tie left between places that do not contain one another is reported as ambiguous, with the
alternatives; the region the hotline centre serves breaks it when given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hotline.auth.roles import region_prefix as prefix  # the code digits that name a region

#: Administrative suffixes stripped to make a short form, longest first.
SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "街道办事处", "街道办", "街道", "新区", "地区", "省", "市",
            "州", "盟", "区", "县", "旗", "镇", "乡", "村", "社区")
#: How much each way of naming a place counts.
WEIGHTS = {"full": 3.0, "place": 3.0, "short": 1.5}
ADDRESS_FACTOR = 1.5
WITHIN_BONUS = 1.0
MIN_SHORT = 2

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Entry:
    region_code: str
    kind: str  # full | short | place


@dataclass(frozen=True)
class Match:
    text: str
    start: int
    end: int
    in_address: bool
    entries: tuple[Entry, ...]


@dataclass
class Gazetteer:
    names: dict[str, list[Entry]] = field(default_factory=dict)
    longest: int = 0
    heads: set[str] = field(default_factory=set)  # the first two characters of every name
    _starts: re.Pattern[str] | None = None

    def starts(self) -> re.Pattern[str]:
        """Finds the next character a name may start with (the scan jumps there)."""
        if self._starts is None:
            chars = "".join(sorted({h[0] for h in self.heads})) or "\x00"
            self._starts = re.compile("[" + re.escape(chars) + "]")
        return self._starts

    def add(self, name: str, region_code: str, kind: str) -> None:
        name = _SPACE.sub("", name or "")
        if len(name) < MIN_SHORT:
            return
        entries = self.names.setdefault(name, [])
        if not any(e.region_code == region_code for e in entries):
            entries.append(Entry(region_code, kind))
        elif kind != "short":  # a full name beats a short form of the same region
            self.names[name] = [Entry(region_code, kind) if e.region_code == region_code else e for e in entries]
        self.longest = max(self.longest, len(name))
        self.heads.add(name[:MIN_SHORT])
        self._starts = None


def short_form(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT:
            return name[: -len(suffix)]
    return None


def build(regions: Iterable[tuple[str, str, str | None]], places: Iterable[tuple[str, str]] = ()) -> Gazetteer:
    """``regions``: (code, name, short name); ``places``: (name, region code) of streets,
    communities and landmarks."""
    g = Gazetteer()
    for code, name, short in regions:
        g.add(name, code, "full")
        for form in {short, short_form(name)}:
            if form and form != name:
                g.add(form, code, "short")
    for name, code in places:
        g.add(name, code, "place")
    return g


def scan(g: Gazetteer, text: str, *, in_address: bool = False) -> list[Match]:
    text = text or ""
    out: list[Match] = []
    i = 0
    starts = g.starts()
    while i < len(text):
        found = starts.search(text, i)  # the next place a name may start
        if found is None:
            break
        i = found.start()
        if text[i:i + MIN_SHORT] not in g.heads:  # no name starts here
            i += 1
            continue
        for size in range(min(g.longest, len(text) - i), MIN_SHORT - 1, -1):
            entries = g.names.get(text[i:i + size])
            if entries:
                out.append(Match(text[i:i + size], i, i + size, in_address, tuple(entries)))
                i += size
                break
        else:
            i += 1
    return out


def _gain(e: Entry, m: Match) -> float:
    return WEIGHTS[e.kind] * (ADDRESS_FACTOR if m.in_address else 1.0)


def contains(outer: str, code: str) -> bool:
    """``outer`` is ``code`` or a region above it."""
    return prefix(code).startswith(prefix(outer))


def _related(a: str, b: str) -> bool:
    """One region contains the other (their codes, with the zero padding stripped)."""
    pa, pb = prefix(a), prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


@dataclass(frozen=True)
class Located:
    region_code: str
    score: float
    matches: tuple[Match, ...]  # the matches that name this region or a region containing it
    ambiguous: bool
    alternatives: tuple[str, ...]


def locate(g: Gazetteer, text: str, address: str | None = None, *, within: str | None = None,
           known: Mapping[str, int] | None = None) -> Located | None:
    """The region the text and address are most likely about, or None when they name none.
    ``within``: the code of the region the hotline centre serves (a tie goes to a place
    inside it)."""
    matches = scan(g, address or "", in_address=True) + scan(g, text)
    if not matches:
        return None
    candidates = {e.region_code for m in matches for e in m.entries}
    total: dict[str, float] = {}
    for code in candidates:
        # every match that names this region or one containing it backs it, by its best naming
        backing = sum(max((_gain(e, m) for e in m.entries if contains(e.region_code, code)), default=0.0)
                      for m in matches)
        total[code] = backing + (WITHIN_BONUS if within and contains(within, code) else 0.0)
    # equal backing: the larger region (one name shared by a county and its seat town means the county)
    ranked = sorted(total, key=lambda c: (-total[c], len(prefix(c)), c))
    best = ranked[0]
    rivals = tuple(c for c in ranked[1:] if total[c] >= total[best] - 1e-9 and not _related(c, best))
    used = tuple(m for m in matches if any(_related(e.region_code, best) for e in m.entries))
    return Located(region_code=best, score=round(total[best], 3), matches=used, ambiguous=bool(rivals),
                   alternatives=rivals)
