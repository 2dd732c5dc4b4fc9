"""Hotspots (热点问题): clusters of appeals about the same matter, ranked by heat (pure).

Appeals about one matter share its particular words — the estate's or the school's name, the
road, the company, what went wrong — while the words every appeal uses (小区, 问题, 希望,
相关部门) say nothing of which matter it is. So:

* each appeal is segmented (rjieba) into words; the title counts twice (it names the matter);
  place codes are kept (the A5 of A5区), bare numbers and stop words dropped — so is a single
  character, and with it part of a name the dictionary does not know (鑫融汇通 is read as 融汇);
* words are TF-IDF weighted, and a word found in more than ``MAX_DF`` of the appeals is
  dropped altogether; a word found in only one stays — it links nothing, but it says that
  the appeal is about more than the words it shares;
* two appeals are linked when their cosine similarity reaches ``LINK``, each is among the
  other's ``NEIGHBOURS`` nearest, and a third appeal is near both (or the two are near-copies):
  a lone appeal sharing one word with each of two matters does not chain them;
  the clusters are the linked groups — split again where two matters joined by a few links
  are not, on average, alike — less the members far from their cluster's centre, plus the
  appeals linked to nothing that are as close to a cluster's centre as its members are;
* each cluster is labelled with its most central title (the appeal most like the others) and
  described by its top words, its place (the most named region or estate), its monthly
  trend, its span and samples.

Heat ranks the clusters (see :func:`heat`): how many appeals, from how many people when that
is known, how many likes, and how much the matter grew in its last stretch. The same engine
runs on the platform's orders (monthly top 10) and on a CSV (``hotline hotspots``)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import rjieba
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from hotline.intelligence import terms

#: A word in more than this share of the appeals names no particular matter. (Not much
#: lower: one big matter's own name may be in a good share of a small set of appeals.)
MAX_DF = 0.5
#: Cosine similarity at which two appeals are about the same matter.
LINK = 0.2
#: Two appeals with no third near both are linked only when this similar (near-copies).
PAIR_LINK = 0.5
#: How many nearest appeals of each one are looked at (mutual neighbours are linked).
NEIGHBOURS = 30
#: Within a linked group, parts stay together while their appeals are on average this similar.
AVERAGE_LINK = 0.1
#: Larger linked groups are not split (the quadratic step would cost too much).
MAX_SPLIT = 3000
#: A member less similar than this to its cluster's centre was chained in by a neighbour's
#: other words (平台 of 网约车平台乱收费 linking a fraud to fares): it leaves the cluster.
COHESION = 0.25
#: What an e-fold of one appeal's likes adds to its matter's support (an appeal counts 1).
LIKE_WEIGHT = 0.5
#: Appeals at the even pace assumed beside a cluster's own when its growth is measured.
GROWTH_PRIOR = 8
#: A term is counted with its pieces too: the whole term links the appeals that name it, its
#: pieces the variants (东岭化工园区, 东岭精细化工园区) — as a search engine indexes both.
PIECES = True
#: Clusters smaller than this are not hotspots.
MIN_SIZE = 2
#: Rows multiplied at a time (bounds memory: a block's similarities to all appeals; at 55,000
#: appeals 500 rows peak at 1.4 GB and 2,000 at 2 GB, in the same time).
BLOCK = 500

_STOP_TEXT = """
的 了 和 与 及 或 在 是 我 我们 你 你们 他 他们 她 它 这 那 这个 那个 这些 那些 有
没有 也 都 就 还 又 很 太 被 把 让 给 对 从 向 为 为了 因为 所以 但是 但 而且 如果
已经 一直 现在 目前 今年 去年 明年 今天 昨天 时候 时间 问题 情况 反映 反应 希望 请 请问
要求 相关 部门 领导 政府 有关 尽快 解决 处理 您好 你好 尊敬 谢谢 感谢 市民 居民 群众 老百姓
百姓 本人 自己 一个 一些 什么 怎么 怎么办 如何 为何 为什么 是否 能否 可以 不能 不是 没 不
无 啥 吗 呢 吧 啊 哦 呀 么 等 等等 进行 存在 导致 造成 关于 咨询 投诉 举报 建议 严重
非常 十分 特别 多次 一下 一样 这样 那样 这么 那么 其他 其它 以上 以下 之后 以后 之前 以前
目前 期间 方面 工作 相关部门 有关部门 职能部门 市委 书记 市长 局长 主任 网友 留言 回复 答复
诉求 望 恳请 恳求 请求 烦请 麻烦 敬请 万分 急 急需 紧急 情况下 A市 市 区 县 镇 乡 村
"""
_STOP = frozenset(_STOP_TEXT.split())
_TOKEN = re.compile(r"^[\w\u4e00-\u9fff]+$")
#: Where a matter is: a named estate, school, road or market (a word ending so), or a region
#: (the anonymised A5区 of message-board exports included).
_PLACE_SUFFIX = re.compile(r"(?:小区|花园|家园|公寓|广场|大厦|新城|苑|府|城|学院|大学|中学|小学|学校|幼儿园|医院|"
                           r"市场|公园|车站|路|街|大道|村|社区)$")
_REGION_CODE = re.compile(r"[A-Z]\d{0,2}[市区县]")
_NOT_A_PLACE = ("该", "这", "那", "本", "我", "现在", "下面", "周边", "附近", "整个", "全")


def place_of(texts: Sequence[str], lexicon: terms.Lexicon | None = None) -> str | None:
    """Where a cluster's appeals are: the named estate, school or road most of them name, else
    the most named region (a district or county before a city)."""
    named: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    for text in texts:
        named.update({t for t, is_term in terms.tokens(text or "", lexicon)
                      if (lexicon is not None and is_term and lexicon.kind(t) in terms.PLACE_KINDS)
                      or (3 <= len(t) <= 12 and _PLACE_SUFFIX.search(t)
                          and not t.startswith(_NOT_A_PLACE) and not t.endswith("政府"))})  # 人民政府 is who
        regions.update(set(_REGION_CODE.findall(text or "")))
    if named and named.most_common(1)[0][1] >= max(2, len(texts) * 0.3):
        return named.most_common(1)[0][0]
    if regions:
        return max(regions, key=lambda r: (regions[r], not r.endswith("市"), r))
    return named.most_common(1)[0][0] if named else None


def words(text: str, lexicon: terms.Lexicon | None = None) -> list[str]:
    """The words of a text that may say which matter it is about: the lexicon's terms whole
    (a synonym as its term), the rest as rjieba cuts it, less stop words and numbers."""
    out = []
    for token, is_term in terms.tokens(text or "", lexicon):
        token = token.strip()
        if is_term:
            if token not in _STOP:
                out.append(token)
            if PIECES:  # and its pieces, which variants of the name share (东岭 of 东岭精细化工园区)
                out += [p for p in rjieba.cut(token) if p != token and len(p) >= 2 and p not in _STOP
                        and _TOKEN.match(p) and not p.isdigit()]
            continue
        if len(token) < 2 or token in _STOP or not _TOKEN.match(token) or token.isdigit():
            continue
        out.append(token)
    return out


@dataclass(frozen=True)
class Appeal:
    id: str
    title: str
    text: str
    time: dt.datetime | None = None
    likes: int = 0
    person: str | None = None  # who appealed (a hash will do), when known
    place: str | None = None  # where, when known (a region's name)


@dataclass
class Hotspot:
    label: str  # named as people name it: 锦绣家园小区 电梯故障 (the central title when no term fits)
    keywords: list[str]
    place: str | None
    count: int
    people: int | None
    likes: int
    first: dt.datetime | None
    last: dt.datetime | None
    trend: dict[str, int]  # month → appeals
    growth: float
    heat: float
    member_ids: list[str]
    samples: list[str] = field(default_factory=list)
    title: str = ""  # the most central appeal's title
    terms: list[str] = field(default_factory=list)  # the named terms most of its appeals use


def _vectors(appeals: Sequence[Appeal], lexicon: terms.Lexicon | None = None,
             ) -> tuple[sparse.csr_matrix, list[str], list[list[str]]]:
    docs = [words(f"{a.title} {a.title} {a.text}", lexicon) for a in appeals]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1, max_df=MAX_DF,
                                 dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no word left: nothing links anything
        return sparse.csr_matrix((len(appeals), 0), dtype=np.float32), [], docs
    return matrix.tocsr(), list(vectorizer.get_feature_names_out()), docs


def _links(matrix: sparse.csr_matrix) -> list[tuple[int, int]]:
    """Pairs of appeals that are each other's near neighbours, similar enough."""
    n = matrix.shape[0]
    neighbours: list[set[int]] = [set() for _ in range(n)]
    candidates: list[tuple[int, int, float]] = []
    transposed = matrix.T.tocsc()
    for start in range(0, n, BLOCK):
        block = (matrix[start:start + BLOCK] @ transposed).tocsr()
        for row in range(block.shape[0]):
            i = start + row
            span = slice(block.indptr[row], block.indptr[row + 1])
            cols, sims = block.indices[span], block.data[span]
            keep = (sims >= LINK) & (cols != i)
            cols, sims = cols[keep], sims[keep]
            if len(cols) > NEIGHBOURS:
                top = np.argpartition(-sims, NEIGHBOURS - 1)[:NEIGHBOURS]
                cols, sims = cols[top], sims[top]
            neighbours[i] = {int(c) for c in cols}
            candidates += [(i, int(c), float(v)) for c, v in zip(cols, sims, strict=True) if int(c) > i]
    # A link needs a witness: a third appeal near both (a lone bridge — 网约车平台乱收费 between a
    # fraud on a 平台 and a school's 乱收费 — has none), unless the two are near-copies.
    return [(i, j) for i, j, sim in candidates if i in neighbours[j]
            and (neighbours[i] & neighbours[j] or sim >= PAIR_LINK)]


def _groups(n: int, links: list[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in links:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) >= MIN_SIZE]


def _split(matrix: sparse.csr_matrix, members: list[int]) -> list[list[int]]:
    """Two matters joined by a few links come apart again: average-linkage clustering within
    the linked group, merging only while the two parts are, on average, similar enough."""
    if len(members) <= 2 or len(members) > MAX_SPLIT:
        return [members]
    sub = matrix[members]
    distance = 1.0 - np.asarray((sub @ sub.T).todense())
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=1.0 - AVERAGE_LINK).fit_predict(np.clip(distance, 0, 1))
    parts: dict[int, list[int]] = {}
    for member, label in zip(members, labels, strict=True):
        parts.setdefault(int(label), []).append(member)
    return list(parts.values())


def _cohesive(matrix: sparse.csr_matrix, members: list[int]) -> list[int]:
    """The members close enough to their cluster's centre (twice: the centre moves once the
    stray ones have gone)."""
    for _ in range(2):
        sub = matrix[members]
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid)) or 1.0
        closeness = np.asarray(sub @ (centroid / norm)).ravel()
        kept = [m for m, c in zip(members, closeness, strict=True) if c >= COHESION]
        if len(kept) == len(members):
            break
        members = kept
        if len(members) < MIN_SIZE:
            break
    return members


def _attach(matrix: sparse.csr_matrix, groups: list[list[int]]) -> list[list[int]]:
    """Each appeal left out of every cluster joins the one whose centre it is as close to as
    members must be (``COHESION``). Links need a near partner, and a long post that tells its
    own story around the estate's name (a night-shift worker's sleep, a cracked wall) is near
    no single other post, yet plainly near what they have in common."""
    if not groups:
        return groups
    n = matrix.shape[0]
    sizes = [len(g) for g in groups]
    owner = np.repeat(np.arange(len(groups)), sizes)
    members = np.concatenate([np.asarray(g) for g in groups])
    weights = np.repeat(1.0 / np.array(sizes, dtype=np.float32), sizes)
    centres = sparse.csr_matrix((weights, (owner, members)), shape=(len(groups), n)) @ matrix
    norms = np.sqrt(np.asarray(centres.multiply(centres).sum(axis=1)).ravel())
    centres = (sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ centres).T.tocsc()
    taken = np.zeros(n, dtype=bool)
    taken[members] = True
    left = np.flatnonzero(~taken)
    for start in range(0, len(left), BLOCK):
        rows = left[start:start + BLOCK]
        closeness = (matrix[rows] @ centres).toarray()
        best = closeness.argmax(axis=1)
        for row, cluster, value in zip(rows, best, closeness[np.arange(len(rows)), best], strict=True):
            if value >= COHESION:
                groups[int(cluster)].append(int(row))
    return groups


def heat(count: int, likes: Sequence[int], people: int | None, growth: float) -> float:
    """Heat: the matter's support — its appeals, each with its likes on a log scale at
    ``LIKE_WEIGHT`` of an appeal per e-fold (a post liked 1,500 times counts as about 4.7
    posts, so one viral post does not lift a matter raised twice above one raised twenty
    times) — plus, when known, the number of distinct people, and growth; support and people
    on a log scale too, so that a matter raised by 200 people does not bury one raised by 20.
    Scaled to 0–100-ish."""
    support = count + LIKE_WEIGHT * sum(math.log1p(max(0, n)) for n in likes)
    score = (math.log1p(support) + (math.log1p(people) if people is not None else 0.0)
             + 0.5 * max(0.0, growth))
    return round(10 * score, 2)


def _growth(times: list[dt.datetime], end: dt.datetime | None) -> float:
    """How much of the cluster came in the last quarter of its own span, against the even
    share (0 = steady, 1 = twice as much as its average pace, negative = fading). The share is
    read as if ``GROWTH_PRIOR`` more appeals had come at the even pace: three of four recent
    appeals say little, thirty of forty say much."""
    if len(times) < 3 or end is None:
        return 0.0
    first = min(times)
    span = (end - first).total_seconds()
    if span <= 0:
        return 0.0
    recent = sum(1 for t in times if (end - t).total_seconds() <= span / 4)
    share = (recent + 0.25 * GROWTH_PRIOR) / (len(times) + GROWTH_PRIOR)
    return round(share / 0.25 - 1, 3)


#: Appeals read for terms at most (every n-th of a larger month: a name that makes a hotspot
#: recurs, and one tagging pass costs a few milliseconds per appeal).
DISCOVERY_APPEALS = 20_000


def lexicon_for(appeals: Sequence[Appeal], dictionary: terms.Lexicon | None = None) -> terms.Lexicon:
    """The dictionary's terms and those the appeals themselves name (see ``terms.discover``)."""
    step = max(1, math.ceil(len(appeals) / DISCOVERY_APPEALS))
    return terms.discover([f"{a.title} {a.text}" for a in appeals[::step]], dictionary, stop=_STOP)


def find(appeals: Sequence[Appeal], top: int = 10, *, dictionary: terms.Lexicon | None = None,
         discover: bool = True) -> list[Hotspot]:
    """The ``top`` hottest clusters of ``appeals``. ``dictionary``: the administrators' terms
    and synonyms; ``discover``: add the terms the appeals name (False: the dictionary alone)."""
    if len(appeals) < MIN_SIZE:
        return []
    lexicon = lexicon_for(appeals, dictionary) if discover else dictionary
    matrix, vocabulary, docs = _vectors(appeals, lexicon)
    if not vocabulary:
        return []
    groups = _attach(matrix, [g for group in _groups(len(appeals), _links(matrix)) for part in _split(matrix, group)
                              if len(g := _cohesive(matrix, part)) >= MIN_SIZE])
    times = [a.time for a in appeals if a.time is not None]
    end = max(times) if times else None
    out: list[Hotspot] = []
    for members in groups:
        sub = matrix[members]
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        central = np.asarray(sub @ centroid).ravel()
        order = [members[i] for i in np.argsort(-central)]
        label_source = appeals[order[0]]
        named = _named(lexicon, [docs[i] for i in members])
        ranked = [vocabulary[i] for i in np.argsort(-centroid)[:12] if centroid[i] > 0]
        whole = {t for i in members for t in docs[i] if lexicon is not None and t in lexicon.kinds}
        keywords = [w for w in ranked if w in whole or not any(w in t for t in whole)][:8]  # 融汇 is 鑫融汇通's
        member_times = [t for i in members if (t := appeals[i].time) is not None]
        people = {appeals[i].person for i in members if appeals[i].person}
        likes = [max(0, appeals[i].likes) for i in members]
        trend = Counter(t.strftime("%Y-%m") for t in member_times)
        given = Counter(appeals[i].place for i in members if appeals[i].place)
        place = given.most_common(1)[0][0] if given else next(
            (t for t in named if lexicon is not None and lexicon.kind(t) in terms.PLACE_KINDS), None) or place_of(
            [f"{appeals[i].title} {appeals[i].text}" for i in members], lexicon)
        growth = _growth(member_times, end)
        title = (label_source.title or label_source.text)[:60]
        out.append(Hotspot(
            label=(label(named, keywords, [f"{appeals[i].title} {appeals[i].text}" for i in order[:20]], lexicon)
                   if lexicon is not None else None) or title, keywords=keywords, title=title, terms=named[:5],
            place=place, count=len(members),
            people=len(people) if people else None, likes=sum(likes), first=min(member_times) if member_times else None,
            last=max(member_times) if member_times else None, trend=dict(sorted(trend.items())), growth=growth,
            heat=heat(len(members), likes, len(people) if people else None, growth),
            member_ids=[appeals[i].id for i in order], samples=[appeals[i].title or appeals[i].text[:60]
                                                               for i in order[:3]]))
    out.sort(key=lambda h: (-h.heat, -h.count, h.label))
    return out[:top]


#: A term names a hotspot when at least this share of its appeals (and two) name it.
NAMED_SHARE = 0.3
#: How many words say what went wrong in a label (电梯 故障).
ISSUE_WORDS = 2
#: Characters between them for the label to quote the appeals' own phrase (逾期无法提现).
MAX_GAP = 2
_CODE = re.compile(r"^[A-Z]\d{0,2}$")


def _named(lexicon: terms.Lexicon | None, docs: Sequence[Sequence[str]]) -> list[str]:
    """The lexicon's terms that the cluster's appeals name, most named first (those named by
    enough of them)."""
    if lexicon is None:
        return []
    counts = Counter(t for doc in docs for t in set(doc) if t in lexicon.kinds)
    floor = max(2, NAMED_SHARE * len(docs))
    return [t for t, n in counts.most_common() if n >= floor]


def label(named: Sequence[str], keywords: Sequence[str], texts: Sequence[str],
          lexicon: terms.Lexicon | None) -> str | None:
    """A hotspot's name as people would say it: the term most of its appeals name, then what
    went wrong, in the words the appeals use (锦绣家园小区 电梯故障, 58车贷平台 逾期无法提现).
    None when neither is found (the caller falls back on the central title)."""
    entity = named[0] if named else None
    issue = [k for k in keywords if k != entity and not _CODE.match(k) and k not in _WHO
             and not (entity and k in entity)
             and (lexicon is None or k not in lexicon.kinds)][:ISSUE_WORDS]
    phrase = _phrase(issue, texts)
    if entity is None:
        return phrase or None
    return f"{entity} {phrase}".strip()[:60]


def _phrase(issue: Sequence[str], texts: Sequence[str]) -> str:
    """The issue words as the appeals put them together: the shortest stretch of a text holding
    them all, when it is short (逾期无法提现), else the words in the order the texts use."""
    if not issue:
        return ""
    if len(issue) == 1:
        return issue[0]
    best: str | None = None
    for text in texts:
        for a, b in ((issue[0], issue[1]), (issue[1], issue[0])):
            for m in re.finditer(re.escape(a), text):
                j = text.find(b, m.end(), m.end() + MAX_GAP + len(b))
                if j >= 0:
                    stretch = text[m.start():j + len(b)]
                    if _WORDLIKE.match(stretch) and not _GLUE.search(stretch[len(a):-len(b)] or "-") \
                            and (best is None or len(stretch) < len(best)):
                        best = stretch
    if best is not None:
        return best
    first = texts[0] if texts else ""
    ordered = sorted(issue, key=lambda w: (first.find(w) if w in first else len(first)))
    return "".join(ordered)


_WORDLIKE = re.compile(r"^[\w\u4e00-\u9fff]+$")
#: A stretch joined by these is two phrases, not one (家长 对 食堂).
_GLUE = re.compile(r"[的对在了和与是把被给向从为我你他她它及或并而]")
#: Who complains is not what is wrong (a label says the matter, not 业主 or 家长).
_WHO_TEXT = """
业主 家长 学生 村民 居民 住户 市民 群众 老人 孩子 小孩 员工 职工 工人 患者 乘客 司机 网友
商户 受害人 出借人 投资人 家属
"""
_WHO = frozenset(_WHO_TEXT.split())
