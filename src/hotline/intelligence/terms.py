"""Whole terms (pure): the names people give to what they complain about — an estate
(锦绣家园小区), a road (中山路), a company (鑫融汇通网络科技有限公司), a platform whose name
starts with digits or Latin letters (58车贷, e租宝), a school or a hospital — kept as one token
when appeals are segmented, clustered and labelled.

rjieba, a general-purpose segmenter, reads a name it does not know as pieces (锦绣 / 家园,
58 / 车贷, 鑫 / 融汇 / 通): a piece links appeals about other matters and a piece makes a poor
label. Three sources of terms make a :class:`Lexicon`:

* the **dictionary** administrators keep (``HotspotTerm``: a term, its kind and its synonyms —
  市一医院 is A市第一人民医院), which also merges synonyms into one token;
* **named entities** found by pattern in each appeal (:func:`entities`): a run of name-like
  words before a suffix that says what kind of thing it is (小区, 花园, 家园, 苑, 路, 街, 大道,
  有限公司, 平台, APP, 医院, 中学…), and a run of digits or Latin letters joined to the word
  after it (58车贷, e租宝, 7路公交);
* **cohesive phrases** of the month's texts (:func:`cohesive`): pieces that are almost always
  together and whose neighbours vary (鑫融汇通 is always 鑫 融汇 通; what comes before and
  after it varies), the classic new-word statistics.

:func:`tokens` then cuts a text at the terms first (longest match, leftmost first) and leaves
only the gaps to rjieba, so a term is never split and every synonym reads as its term. The
lexicon is a value built per computation: deactivating a dictionary term takes effect at the
next computation, in every process, with nothing to undo in a global segmenter (rjieba's
``add_word`` cannot remove a word)."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import rjieba

#: The kinds of term (the dictionary's ``kind`` column takes the same values).
KINDS = ("place", "estate", "road", "company", "platform", "school", "hospital", "other")
KIND_NAMES = {"place": "地名", "estate": "小区楼盘", "road": "道路", "company": "企业", "platform": "平台",
              "school": "学校", "hospital": "医院", "other": "其他"}
#: Kinds that say where a matter is (a hotspot's place).
PLACE_KINDS = frozenset({"place", "estate", "road", "school", "hospital"})

#: A suffix that names the kind of thing the words before it name, longest first per kind.
ANCHORS: dict[str, tuple[str, ...]] = {
    "estate": ("小区", "花园", "家园", "公寓", "大厦", "新城", "山庄", "华庭", "公馆", "广场", "苑", "府"),
    "road": ("大道", "大街", "国道", "省道", "路", "街", "巷"),
    "company": ("有限责任公司", "股份有限公司", "有限公司", "集团公司", "公司", "集团", "厂"),
    "platform": ("平台", "APP", "App", "app"),
    "school": ("幼儿园", "小学", "中学", "学校", "大学", "学院"),
    "hospital": ("医院", "卫生院"),
    "place": ("公园", "市场", "车站", "客运站", "社区", "景区", "园区", "村"),
}
_ANCHOR_KIND = sorted(((s, k) for k, ss in ANCHORS.items() for s in ss), key=lambda sk: -len(sk[0]))
#: Words that follow a name and belong to it (锦绣家园 小区, 7路 公交).
_TRAILERS = {"estate": ("小区",), "road": ("公交车", "公交")}
#: Parts of speech of the words a name is made of (nouns, place and person names, numbers,
#: Latin, adjectives and verbs inside a name: 幸福小区, 惠民理财平台).
_NAME_POS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "l", "i", "s", "b", "m", "eng", "a",
                       "an", "v", "vn"})
#: … of which these only right before the suffix (理财 of 惠民理财平台, 幸福 of 幸福小区).
_ADJACENT_POS = frozenset({"v", "vn"})
#: A number is part of a name when it is digits, an ordinal or a count of the name (一号, 二中).
_NAME_NUMBER = re.compile(r"^(?:[0-9]+|第.+|[一二三四五六七八九十]+号?)$")
#: … of which a name may start with only these (not with the verb of 请求公示国富小区).
_HEAD_POS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "s", "b", "m", "eng", "a", "l"})
#: Words that end a name on its left: who and which (我们小区, 该公司), the administrative
#: words of an anonymised region (K3县 光明小区), and modifiers of the kind (物业公司, 安置小区).
_BOUNDARY_TEXT = """
我 我们 你 你们 他 他们 她 它 该 本 此 这 那 这个 那个 这家 那家 一家 一个 各 各个
每个 整个 某 某某 其 其他 其它 所有 很多 许多 部分 全 全部 多家 多个 几个 两个 附近 周边
周围 旁边 对面 隔壁 门口 市 区 县 省 州 本市 我市 我县 我区 全市 全县 全区 全省 物业
业主 住宅 安置 老旧 新建 开发 投资 有些 每个 农村 乡镇 相关 有关 附属 公立 私立 民办 公办
正规 非法 违规 网贷 交易 有 去 来 说 让 主要 大部分 众多 一些 这些 那些 大量 所在 原 现 各地 当地
本地 金融 贷款 借贷 线上 网上 手机 小区 该小区 城市 农村 乡村 学校 医院 公司 平台 单位
部门 政府 家 所 个 位 号 楼 栋 期 的 了 在 是 和 与 及 或 到 从 向 对 把 被 给 为
于 由
"""
_BOUNDARY = frozenset(_BOUNDARY_TEXT.split())
#: Words that describe a business, not name it: a name made of them alone is no name.
_GENERIC_TEXT = """
网络 科技 网络科技 信息 技术 信息技术 发展 管理 服务 建设 工程 实业 贸易 商贸 投资 房地产
置业 开发 物业 电子 商务 电子商务 文化 传媒 教育 咨询 劳务 建筑 建材 环保 环境 能源 物流
运输 餐饮 旅游 医疗 健康 生物 农业 食品 汽车 金融 资产 资本 股份
集团 中心 专业 综合 国际 中国 中华 化工 精细化工 工业 产业 高新 经济 商业 创业
"""
_GENERIC = frozenset(_GENERIC_TEXT.split())
_REGION_CODE = re.compile(r"^[A-Z]\d{0,2}$")
#: Who answers, not what is complained of (人民政府 is named in every other appeal).
_AGENCY = ("政府", "人民政府", "委员会", "管委会", "办事处")
_ADMIN = "市区县省镇乡州"
_REGION_LEVELS = "市区县省州"
_LATIN = re.compile(r"^[0-9A-Za-z]+$")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_WORD = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff]+$")
#: What follows a number is a measure, not a name (2019年, 3万元, 8号楼).
_MEASURE_HEADS = tuple("万千百亿元角块年月日号个岁次天点时分秒米楼层栋幢单室户"
                       "人名家期届批倍辆台套间平亩斤吨周期多余房班线床级")
#: The longest name (in characters, suffix included).
MAX_TERM = 16
#: A name's own part (before its suffix) is at most this long (a longer run is a sentence).
MAX_NAME = 12


def _fits(token: str, pos: str) -> bool:
    return bool(_WORD.match(token)) and pos in _NAME_POS and token not in _BOUNDARY \
        and not _REGION_CODE.match(token) and (pos != "m" or bool(_NAME_NUMBER.match(token)))


def _anchor(token: str) -> tuple[str, str] | None:
    """(suffix, kind) when the token is, or ends with, a suffix that names a kind of thing."""
    for suffix, kind in _ANCHOR_KIND:
        if token.endswith(suffix):
            return suffix, kind
    return None


@dataclass(frozen=True)
class Found:
    text: str
    kind: str
    start: int  # in characters
    end: int


#: An anonymised region (A市, K3县, A5区) before a name: rjieba glues its last character to the
#: name (县大远 公司), so the text is tagged in pieces cut after each.
_REGION_MARK = re.compile(r"[A-Z]\d{0,2}[市区县州省]")


def tag(text: str) -> tuple[list[tuple[str, str]], list[int]]:
    """rjieba's words of a text with their parts of speech, and where each starts (the text
    cut after each anonymised region first)."""
    tagged: list[tuple[str, str]] = []
    offsets: list[int] = []
    cuts = [0, *(m.end() for m in _REGION_MARK.finditer(text)), len(text)]
    for a, b in itertools.pairwise(cuts):
        at = a
        for word, pos in rjieba.tag(text[a:b]):
            tagged.append((word, pos))
            offsets.append(at)
            at += len(word)
    return tagged, offsets


def entities(text: str, tagged: tuple[list[tuple[str, str]], list[int]] | None = None) -> list[Found]:
    """Named entities of one text, by pattern (see the module's docstring); ``tagged``: the
    text as :func:`tag` reads it, when the caller has it."""
    words, offsets = tagged if tagged is not None else tag(text or "")
    out: list[Found] = []
    i = 0
    while i < len(words):
        word = words[i][0]
        anchor = _anchor(word) if _WORD.match(word) else None
        found: Found | None = None
        if anchor is not None:
            found = _named(words, offsets, i, *anchor)
        if found is None and _LATIN.match(word) and not _REGION_CODE.match(word):
            found = _latin_initial(words, offsets, i)
        if found is not None:
            while out and out[-1].end > found.start:  # 秀峰东路 within 秀峰东路应电家园
                out.pop()
            out.append(found)
            while i < len(words) and offsets[i] < found.end:
                i += 1
            continue
        i += 1
    return out


def _named(tagged: list[tuple[str, str]], offsets: list[int], i: int, suffix: str, kind: str) -> Found | None:
    word, pos = tagged[i]
    own = word[: len(word) - len(suffix)]  # 东风 of 东风路, 名 of 名苑
    if own and own in _BOUNDARY:
        return None
    if own and pos not in {"ns", "nz", "nr", "nt", "nrt"} and rjieba.has_word(word):
        if len(suffix) == 1:
            return None  # a common word that happens to end so (马路, 政府, 公寓 of 苑?)
        own = ""  # a kind of thing (燃气公司, 中心小学, 高速公路): the name is before it
    if not own and i > 0 and tagged[i - 1][0][-1] in _REGION_LEVELS:
        return None  # 西地省 平台: a region's, not a name
    j = i
    length = len(own)
    while j > 0 and _fits(*tagged[j - 1]) and length + len(tagged[j - 1][0]) <= MAX_NAME:
        if tagged[j - 1][1] in _ADJACENT_POS and j != i and len(tagged[j - 1][0]) > 1:
            break  # a verb inside a name only next to its suffix (惠民理财平台), or a character of it (鑫融汇通)
        j -= 1
        length += len(tagged[j][0])
    heads = _HEAD_POS | ({"vn"} if kind in ("school", "hospital") else set())  # 实验中学
    while j < i and tagged[j][1] not in heads:  # 请求 公示 | 国富小区
        length -= len(tagged[j][0])
        j += 1
    if length < 2 and not any(c.isdigit() or (c.isascii() and c.isalpha()) for c in own + "".join(
            w for w, _ in tagged[j:i])):
        return None
    if length < 1 or (all(w in _GENERIC for w, _ in tagged[j:i]) and (not own or own in _GENERIC)):
        return None  # 网络科技有限公司, 服务平台: a kind of business, no name
    end = i + 1
    for trailer in _TRAILERS.get(kind, ()):
        if end < len(tagged) and tagged[end][0] == trailer and not word.endswith(trailer):
            end += 1
            break
    text = "".join(w for w, _ in tagged[j:end])
    start = offsets[j]
    if len(text) > 3 and text[0] in _ADMIN and j > 0 and _REGION_CODE.match(tagged[j - 1][0]):
        text, start = text[1:], start + 1  # A | 市鑫 融汇 …: the 市 is A市's
    if len(text) > MAX_TERM or (text[0].isdigit() and kind != "road"):
        return None
    return Found(text, kind, start, start + len(text))


def _latin_initial(tagged: list[tuple[str, str]], offsets: list[int], i: int) -> Found | None:
    """58车贷, e租宝, 123车贷, ofo单车, 7路公交: digits or Latin letters and the word they are
    joined to (not 2019年, 3万元, 8号楼, A市)."""
    if i + 1 >= len(tagged):
        return None
    nxt, pos = tagged[i + 1]
    anchored = _anchor(nxt)
    if anchored is not None and anchored[1] != "platform":
        return None  # 7 路: the road's (7路公交)
    if not _HAN.match(nxt) or nxt.startswith(_MEASURE_HEADS) or nxt[0] in _ADMIN or nxt[-1] in "里上中内外" \
            or pos not in {"n", "nz", "nr", "ns", "nt", "j", "vn", "ng", "l"}:
        return None
    word = tagged[i][0]
    if word.isdigit() and len(word) > 6:  # a phone or an account number
        return None
    end = i + 2
    anchor = _anchor(tagged[end][0]) if end < len(tagged) else None
    if anchor is not None and tagged[end][0] == anchor[0] and anchor[1] == "platform":
        end += 1  # 58车贷 平台
    text = "".join(w for w, _ in tagged[i:end])
    kind = anchor[1] if anchor is not None and end == i + 3 else "platform"
    if len(text) > MAX_TERM or len(text) < 2:
        return None
    return Found(text, kind, offsets[i], offsets[i] + len(text))


# --- cohesive phrases ----------------------------------------------------------------------------

#: A phrase must be seen this often, in this many appeals, to be a term.
MIN_COUNT = 3
MIN_DOCS = 2
#: Its rarest piece must be inside it at least this share of the times it is seen.
MIN_TOGETHER = 0.6
#: No one word may stand before (after) it more than this share of the times.
MAX_NEIGHBOUR_SHARE = 0.6
#: Characters of each text read for names and phrases (a name is given early: in the title;
#: a month of a province is 60,000 appeals).
ENTITY_CHARS = 600
COHESION_CHARS = 600
_EDGE_POS_OUT = frozenset({"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "d", "y", "e", "o", "x", "w",
                           "q", "f", "t", "zg", "ad"})


_INNER_POS_OUT = frozenset({"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "y", "e", "o", "x", "w"})
_NOUN_POS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "eng", "s", "l", "i"})
#: A person by their office (胡厅长, 易书记) is no term, and nobody's name is kept.
_TITLES = ("长", "书记", "主任", "老师", "医生", "经理", "先生", "女士", "同志", "师傅", "阿姨", "委员")
_CODE_INSIDE = re.compile(r"[A-Z]\d{0,2}[市区县州省]|\d")


def _phrase_ok(phrase: str) -> bool:
    return not _CODE_INSIDE.search(phrase) and not phrase.endswith(_TITLES)


def _fragmentary(word: str, pos: str) -> bool:
    return (len(word) == 1 and bool(_HAN.match(word))) or not rjieba.has_word(word) or pos == "m"


def cohesive(texts: Iterable[str] | Iterable[list[tuple[str, str]]], *, stop: frozenset[str] = frozenset(),
             ) -> dict[str, int]:
    """Phrases of two to four words that rjieba splits (one of them a single character or a
    word it does not know) and that the texts keep together: phrase → how often seen.
    ``texts``: strings, or the texts already tagged (:func:`tag`)."""
    counts: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    left: dict[str, Counter[str]] = defaultdict(Counter)
    right: dict[str, Counter[str]] = defaultdict(Counter)
    unigrams: Counter[str] = Counter()
    edge = 0
    for text in texts:
        tagged = tag(text[:COHESION_CHARS])[0] if isinstance(text, str) else text
        seen: set[str] = set()
        words = [w for w, _ in tagged]
        unigrams.update(words)
        for i in range(len(tagged)):
            if not _WORD.match(tagged[i][0]) or tagged[i][0] in stop or tagged[i][1] in _EDGE_POS_OUT:
                continue
            fragment = _fragmentary(*tagged[i])
            size = len(tagged[i][0])
            for n in range(2, 5):
                k = i + n - 1
                if k >= len(tagged) or not _WORD.match(tagged[k][0]) or tagged[k][0] in stop:
                    break
                size += len(tagged[k][0])
                fragment = fragment or _fragmentary(*tagged[k])
                if size > 10:
                    break
                if tagged[k][1] in _INNER_POS_OUT:
                    break
                if size < 3 or not fragment or tagged[i][1] == "m" or (
                        tagged[k][1] not in _NOUN_POS and not (len(tagged[k][0]) == 1 and tagged[k][1] == "v")) \
                        or not any(p in _NOUN_POS for _, p in tagged[i:k + 1]):
                    continue
                phrase = "".join(words[i:k + 1])
                counts[phrase] += 1
                seen.add(phrase)
                before = words[i - 1] if i > 0 and _WORD.match(words[i - 1]) else f"\x00{(edge := edge + 1)}"
                after = words[k + 1] if k + 1 < len(words) and _WORD.match(words[k + 1]) \
                    else f"\x00{(edge := edge + 1)}"
                left[phrase][before] += 1
                right[phrase][after] += 1
        docs.update(seen)
    out: dict[str, int] = {}
    for phrase, n in counts.items():
        if n < MIN_COUNT or docs[phrase] < MIN_DOCS:
            continue
        if max(left[phrase].values()) > MAX_NEIGHBOUR_SHARE * n or max(right[phrase].values()) > \
                MAX_NEIGHBOUR_SHARE * n:
            continue
        if not _phrase_ok(phrase):
            continue
        pieces = rjieba.cut(phrase)
        rarest = min(unigrams.get(p, 0) or n for p in pieces)
        if n / max(rarest, 1) < MIN_TOGETHER:
            continue
        out[phrase] = n
    # a phrase inside a longer one seen about as often is that one's piece (鑫融汇 of 鑫融汇通)
    return {p: n for p, n in out.items()
            if not any(p != q and p in q and m >= 0.8 * n for q, m in out.items())}


# --- the lexicon and the tokenizer ------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str
    kind: str = "other"
    synonyms: tuple[str, ...] = ()


_STRIP = re.compile(r"^(.{2,}?(?:小区|花园|家园|公寓|大厦|新城|山庄|华庭|公馆|苑|府))小区$")
_PLATFORM = re.compile(r"^(.{2,}?)(?:平台|APP|App|app)$")
_BUS = re.compile(r"^(\d+路)(?:公交车|公交|车)$")


def key(form: str) -> str:
    """The form that variants of one name share: 锦绣家园 for 锦绣家园小区, 58车贷 for
    58车贷平台, 7路 for 7路公交."""
    for pattern in (_STRIP, _PLATFORM, _BUS):
        m = pattern.match(form)
        if m:
            return m.group(1)
    return form


@dataclass
class Lexicon:
    """Surface forms → the term they name (its canonical text) and each term's kind."""

    forms: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    longest: int = 0
    heads: set[str] = field(default_factory=set)

    def add(self, term: Term, *, replace: bool = True) -> None:
        text = term.text.strip()
        if len(text) < 2:
            return
        if not replace and (text in self.forms or text in self.kinds):
            return
        self.kinds[text] = term.kind
        for form in (text, *term.synonyms):
            form = form.strip()
            if len(form) < 2 or (not replace and form in self.forms):
                continue
            self.forms[form] = text
            self.longest = max(self.longest, len(form))
            self.heads.add(form[:2])

    def kind(self, term: str) -> str | None:
        return self.kinds.get(term)

    def copy(self) -> Lexicon:
        return Lexicon(dict(self.forms), dict(self.kinds), self.longest, set(self.heads))

    def __len__(self) -> int:
        return len(self.kinds)


def lexicon(terms: Iterable[Term]) -> Lexicon:
    out = Lexicon()
    for term in terms:
        out.add(term)
    return out


def spans(lex: Lexicon, text: str) -> list[tuple[int, int, str]]:
    """(start, end, term) of every form of the lexicon in the text, longest first, leftmost first."""
    out: list[tuple[int, int, str]] = []
    if not lex.forms:
        return out
    i, n = 0, len(text)
    while i < n - 1:
        if text[i:i + 2] not in lex.heads:
            i += 1
            continue
        for size in range(min(lex.longest, n - i), 1, -1):
            term = lex.forms.get(text[i:i + size])
            if term is not None:
                out.append((i, i + size, term))
                i += size
                break
        else:
            i += 1
    return out


def _cut(text: str, start: int, end: int) -> list[tuple[int, int, str, bool]]:
    """rjieba's words of ``text[start:end]``, cut after each anonymised region first (see
    ``_REGION_MARK``)."""
    out: list[tuple[int, int, str, bool]] = []
    cuts = [start, *(m.end() for m in _REGION_MARK.finditer(text, start, end)), end]
    for a, b in itertools.pairwise(cuts):
        if b > a:
            out += [(a + x, a + y, w, False) for w, x, y in rjieba.tokenize(text[a:b])]
    return out


def token_spans(text: str, lex: Lexicon | None = None) -> list[tuple[int, int, str, bool]]:
    """(start, end, word, is_term) of the text's words: terms of the lexicon whole (a synonym
    reads as its term), the rest as rjieba cuts it."""
    text = text or ""
    if not lex or not lex.forms:
        return [(a, b, w, False) for w, a, b in rjieba.tokenize(text)]
    found = spans(lex, text)
    out: list[tuple[int, int, str, bool]] = []
    at = 0
    for start, end, term in [*found, (len(text), len(text), "")]:
        if start > at:
            out += _cut(text, at, start)
        if term:
            out.append((start, end, term, True))
        at = end
    return out


def tokens(text: str, lex: Lexicon | None = None) -> list[tuple[str, bool]]:
    """The text's words, each with whether it is a term (see :func:`token_spans`)."""
    if not lex or not lex.forms:  # rjieba alone, as the engine read before terms
        return [(w, False) for w in rjieba.cut(text or "")]
    return [(w, t) for _, _, w, t in token_spans(text, lex)]


def discover(texts: Sequence[str], base: Lexicon | None = None, *, stop: frozenset[str] = frozenset()) -> Lexicon:
    """The lexicon for a set of appeals: the dictionary's terms (``base``), and the named
    entities and cohesive phrases of the texts, variants of one name merged (锦绣家园 and
    锦绣家园小区 read as the form most used)."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    tagged_texts = []
    for text in texts:
        tagged = tag((text or "")[:ENTITY_CHARS])
        tagged_texts.append(tagged[0])
        for e in entities("", tagged):
            if e.text in stop or e.text.endswith(_AGENCY):
                continue
            found[key(e.text)][e.text] += 1
            kinds[key(e.text)][e.kind] += 1
    for k in [k for k, forms in found.items() if k[0].isdigit() and sum(forms.values()) < 2]:
        del found[k]  # 58车贷 is a name when it recurs; 20条 once is a count
    for phrase, n in cohesive(tagged_texts, stop=stop).items():
        if phrase.endswith(_AGENCY):
            continue
        k = key(phrase)
        if k not in found:
            kinds[k]["other"] += n
        found[k][phrase] += n
    for k in [k for k in found if kinds[k].most_common(1)[0][0] == "other"]:
        for cut in (1, 2):  # 鑫融汇通案 is 鑫融汇通's (a phrase that is a found name and a little more)
            if len(k) - cut >= 3 and k[:-cut] in found and k[:-cut] != k:
                found[k[:-cut]].update(found.pop(k))
                break
    out = base.copy() if base is not None else Lexicon()
    for k, forms in found.items():
        if k in out.forms:  # the dictionary knows it: its term and kind stand
            continue
        shown = max(forms, key=lambda f: (forms[f], len(f)))
        variants = tuple(f for f in {*forms, k} if f != shown)
        out.add(Term(shown, kinds[k].most_common(1)[0][0], variants), replace=False)
    return out



# --- the dictionary as a file (.tsv or .xlsx: term, kind, synonyms, active) -----------------------

_HEADERS = {"term": "term", "词条": "term", "名称": "term", "kind": "kind", "类型": "kind", "synonyms": "synonyms",
            "同义词": "synonyms", "别名": "synonyms", "active": "active", "启用": "active", "状态": "active"}
_KIND_BY_NAME = {**{k: k for k in KINDS}, **{v: k for k, v in KIND_NAMES.items()}}
_SYNONYM_SPLIT = re.compile(r"[,，、;；|/]+")
_FALSE = {"0", "false", "no", "n", "否", "停用", "inactive", "禁用"}


@dataclass(frozen=True)
class Row:
    line: int
    term: str
    kind: str | None  # None: not a known kind (the caller says which line)
    synonyms: tuple[str, ...]
    active: bool


def split_synonyms(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = _SYNONYM_SPLIT.split(value) if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


def kind_of(value: str | None) -> str | None:
    return _KIND_BY_NAME.get((value or "other").strip() or "other")


def rows(table: Iterable[Sequence[object]]) -> list[Row]:
    """The dictionary rows of a table (the first row is a header when it names the columns,
    else the columns are term, kind, synonyms, active); blank lines are skipped."""
    out: list[Row] = []
    columns = ["term", "kind", "synonyms", "active"]
    for n, raw in enumerate(table, start=1):
        cells = ["" if c is None else str(c).strip() for c in raw]
        if not any(cells):
            continue
        if n == 1 and any(c.lower() in _HEADERS for c in cells):
            columns = [_HEADERS.get(c.lower(), "") for c in cells]
            continue
        values = dict(zip(columns, cells, strict=False))
        out.append(Row(line=n, term=values.get("term", ""), kind=kind_of(values.get("kind")),
                       synonyms=split_synonyms(values.get("synonyms")),
                       active=(values.get("active") or "1").lower() not in _FALSE))
    return out
