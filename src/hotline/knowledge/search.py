"""Chinese text search, pure (no I/O): segmentation, synonyms and relevance.

Text is segmented with jieba's search mode (``rjieba``: a compound such as 增值税 yields 增值
and 增值税, so a partial word still matches), stop words and lone characters dropped. A
query's terms are expanded with their synonyms (医保 ↔ 医疗保险, 娃 ↔ 子女 …). The database's
full-text index (FTS5, PostgreSQL) only finds candidates; :func:`rank` orders them the same
way on both databases, with BM25 over two fields (question and keywords weigh more than the
answer) and the inverse document frequency of each term, and says how much of the question a
candidate covers — the confidence the public assistant needs before it answers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import rjieba

#: Words of the hotline's domain that the general dictionary splits apart.
DOMAIN_WORDS = (
    "公积金", "住房公积金", "医保", "社保", "个体工商户", "个体户", "小微企业", "小型微利企业", "六税两费",
    "加计扣除", "研发费用", "异地就医", "随迁子女", "低保", "特困", "稳岗返还", "专精特新", "高新技术企业",
    "科技型中小企业", "创业担保贷款", "首贷", "续贷", "转贷", "一网通办", "证照分离", "营业执照", "不动产登记",
    "公租房", "保障性住房", "经济补偿", "工伤认定", "失业保险金", "养老保险", "医疗保险", "失业保险",
    "工伤保险", "生育保险", "灵活就业", "居住证", "出生医学证明", "高龄津贴", "残疾人", "维修资金", "欠薪",
    "拖欠工资", "专项附加扣除", "个人所得税", "个税", "增值税", "企业所得税", "留抵退税", "电动自行车",
    "驾驶证", "行驶证", "新生儿", "落户", "入学", "学位", "学区", "农民工", "退休金", "养老金", "网约车",
    "七日无理由退货", "三包", "消费者权益", "噪声", "噪音", "燃气", "天然气", "报装", "12345", "12333",
)
for _word in DOMAIN_WORDS:
    rjieba.add_word(_word, None, None)

#: Groups of words citizens and documents use for the same thing. The first is the official term.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("医疗保险", "医保"),
    ("社会保险", "社保"),
    ("养老保险", "养老险"),
    ("住房公积金", "公积金"),
    ("养老金", "退休金", "退休工资", "养老待遇"),
    ("失业保险金", "失业金", "失业补助"),
    ("个人所得税", "个税"),
    ("子女", "孩子", "小孩", "娃", "儿女", "小朋友"),
    ("新生儿", "宝宝", "婴儿", "刚出生"),
    ("入学", "上学", "读书", "报名", "就读"),
    ("义务教育", "小学", "初中"),
    ("学位", "学籍"),
    ("户口", "户籍"),
    ("落户", "上户口", "入户", "迁户口"),
    ("身份证", "居民身份证"),
    ("拖欠工资", "欠薪", "讨薪", "不发工资", "拖欠薪资", "工钱"),
    ("工资", "薪酬", "薪资", "工钱"),
    ("经济补偿", "赔偿金", "补偿金", "n+1"),
    ("劳动合同", "用工合同"),
    ("辞退", "解除劳动合同", "开除", "裁员"),
    ("个体工商户", "个体户", "小商户"),
    ("小微企业", "小型微利企业", "小企业", "小微"),
    ("营业执照", "执照", "营业证"),
    ("企业开办", "开公司", "注册公司", "开办企业", "办公司"),
    ("注销", "关停", "注销登记"),
    ("贷款", "借款", "融资"),
    ("贴息", "利息补贴"),
    ("补贴", "补助", "津贴", "奖补", "资助"),
    ("减免", "免征", "减征", "优惠", "减税", "免税"),
    ("残疾人", "残疾", "残障"),
    ("低保", "最低生活保障", "低保金"),
    ("特困", "特困供养", "五保"),
    ("老年人", "老人", "高龄"),
    ("公租房", "公共租赁住房", "廉租房"),
    ("保障性住房", "保障房"),
    ("不动产登记", "房产证", "不动产权证", "过户"),
    ("维修资金", "维修基金"),
    ("房租", "租金"),
    ("租房", "租赁住房", "租住", "租的房子"),
    ("物业", "物业公司", "物管"),
    ("噪声", "噪音", "吵闹", "扰民"),
    ("燃气", "天然气", "煤气"),
    ("报装", "开户", "安装申请"),
    ("停水", "没水", "断水"),
    ("停电", "没电", "断电"),
    ("电动自行车", "电动车", "电瓶车"),
    ("机动车", "汽车", "小车"),
    ("驾驶证", "驾照"),
    ("网约车", "滴滴"),
    ("出租车", "的士", "出租汽车"),
    ("退货", "退款", "退钱"),
    ("消费者", "顾客", "买家"),
    ("食品安全", "食品问题", "吃坏"),
    ("投诉", "举报", "反映", "反应"),
    ("异地就医", "外地看病", "异地看病", "转诊"),
    ("报销", "报账", "结算"),
    ("工伤", "工作受伤", "上班受伤"),
    ("研发费用", "研发投入", "研发支出"),
    ("加计扣除", "加计"),
    ("高新技术企业", "高企", "高新企业"),
    ("人才引进", "引进人才", "人才落户"),
    ("职业技能培训", "技能培训", "职业培训"),
    ("创业", "自主创业", "开店"),
    ("就业", "找工作", "上班"),
    ("农民工", "打工", "务工人员"),
    ("婚姻登记", "结婚登记", "领结婚证", "离婚登记"),
    ("居住证", "暂住证"),
    ("申请", "申领", "办理"),
    # everyday words for the terms of social insurance, labour and employment
    ("社会保险", "五险", "社保费"),
    ("缴费比例", "费率", "几个点", "交多少"),
    ("缓缴", "晚点交", "缓交", "延期缴纳", "推迟交"),
    ("转移接续", "转过来", "转回来", "转移", "转社保"),
    ("灵活就业", "跑外卖", "送外卖", "快递员", "自由职业", "打零工", "没有单位"),
    ("劳动能力鉴定", "评残", "伤残等级", "伤残鉴定"),
    ("停工留薪期", "养伤", "休工伤假"),
    ("劳动合同", "签合同", "不签合同", "用工合同"),
    ("欠薪", "包工头", "不给工钱", "老板跑了", "结工钱"),
    ("劳动保障监察", "劳动监察", "劳动局"),
    ("劳动争议仲裁", "劳动仲裁", "仲裁"),
    ("职业技能等级证书", "电工证", "焊工证", "技能证书", "职业资格证书", "上岗证"),
    ("退役军人", "退伍", "转业", "复员"),
    ("高校毕业生", "应届毕业生", "大学生", "毕业生"),
    ("用人单位", "公司", "单位", "厂里", "老板"),
    ("残疾人就业保障金", "残保金"),
    # welfare and civil affairs
    ("特困人员", "孤寡老人", "五保户", "没儿没女", "无人赡养"),
    ("供养机构", "敬老院", "养老院", "福利院"),
    ("临时救助", "急难救助", "应急救助"),
    ("殡葬", "丧葬", "白事"),
    ("丧葬补助金", "丧葬费", "抚恤金"),
    # health
    ("就医", "看病", "住院", "门诊"),
    ("异地", "外地", "外省", "省外"),
    ("备案", "登记手续", "报备"),
    ("生育津贴", "产假工资", "生孩子报销"),
    # enterprises
    ("研发费用加计扣除", "研发多扣", "研发投入抵税", "新产品研发扣除"),
    ("企业开办", "开公司", "注册公司", "开个公司", "办执照"),
    ("创业担保贷款", "创业贷", "贴息贷款", "创业贷款"),
    ("纾困", "资金紧张", "经营困难", "周转不开"),
    ("续贷", "转贷", "过桥", "倒贷"),
    ("出口", "外贸"),
    # vehicles, consumption and utilities
    ("注册登记", "上牌", "挂牌", "上牌照", "办牌照"),
    ("号牌", "牌照", "车牌"),
    ("超标电动自行车", "新国标", "老电动车", "超标车"),
    ("网络购物", "网购", "网上买", "网上购物"),
    ("七日无理由退货", "不想要了", "退货"),
    ("供水", "自来水", "用水", "通水"),
    ("供电", "通电", "用电"),
    ("时限", "几天", "多久", "多长时间", "多长时间办好"),
    ("答复", "回复", "回话", "结果"),
    ("12345", "热线", "市长热线", "政府热线"),
    # housing, household and family
    ("户口迁移", "迁户口", "户口迁出", "户口迁入", "迁户"),
    ("身份证", "二代证"),
    ("补领", "补办", "丢了", "遗失"),
    ("离婚", "离婚登记", "协议离婚"),
    ("房屋买卖", "买房", "卖房", "二手房"),
    ("物业服务", "物业费", "物业管理"),
    ("材料", "资料", "证明材料", "要带什么"),
    ("条件", "资格", "要求", "符合"),
    ("标准", "多少钱", "金额", "额度"),
)

_SYNONYMS: dict[str, tuple[str, ...]] = {}
for _group in SYNONYM_GROUPS:
    for _word in _group:
        rjieba.add_word(_word, None, None)
        _SYNONYMS[_word] = tuple(dict.fromkeys((*_SYNONYMS.get(_word, ()), *(w for w in _group if w != _word))))

#: Function words and the filler of spoken questions: they tell nothing about the topic.
_STOP_TEXT = """
的 了 和 与 及 或 在 是 有 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 这里 那里 哪里 什么 怎么 怎样
怎么样 如何 为什么 多少 几 吗 呢 吧 啊 呀 哦 嗯 请 请问 问 问一下 一下 想 想问 想要 要 需要 能 能否 可以 可否
会 应该 就 都 也 还 又 再 才 只 很 太 最 更 已经 已 没有 没 不 不能 不会 被 把 给 让 对 向 从 到 于 为 以 因为
所以 如果 但是 但 而且 并且 然后 还是 或者 一个 一些 有些 有没有 是不是 能不能 可不可以 是否 谢谢 您好 你好
麻烦 帮忙 帮 一 二 三 上 下 里 中 时候 现在 今年 去年 目前 之前 以后 之后 相关 有关 关于 方面 情况 问题
事情 事 这种 那种 个 位 次 年 月 日 号 等 等等 啥 咋 咋办 么 呗 嘛 罢了 之 其 该 此 各 每 某 本 即 若 则 且
问问 怎么办 如何办 怎么弄 怎么样才能 一直 还有 这样 那样 应该怎么
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

#: Single characters that name a topic by themselves (most lone characters do not), and the
#: one-character words of the synonym groups.
_MEANINGFUL_TEXT = "税 房 车 水 电 气 证 户 医 药 学 费 卡 贷 奖 补 罚 险 病 树 路 桥 灯 狗 猫"
MEANINGFUL_CHARS = frozenset(_MEANINGFUL_TEXT.split()) | {w for g in SYNONYM_GROUPS for w in g if len(w) == 1}

_WORD = re.compile(r"[^\W_]+")  # letters, digits, CJK: nothing a query syntax reads
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_TERM_LENGTH = 64


def terms(text: str) -> list[str]:
    """The searchable terms of a text, in order, repeats kept (term frequency matters)."""
    out: list[str] = []
    for token in rjieba.cut_for_search(text or ""):
        term = token.strip().lower()
        if not term or not _WORD.fullmatch(term) or term in STOP_WORDS or len(term) > MAX_TERM_LENGTH:
            continue
        if len(term) == 1 and (term not in MEANINGFUL_CHARS and not term.isdigit()):
            continue
        if not _HAS_CJK.search(term) and len(term) < 2:
            continue
        out.append(term)
    return out


def indexed_text(text: str) -> str:
    """A text as the full-text index stores it: its terms separated by spaces."""
    return " ".join(terms(text))


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: the term as typed and its synonyms (their own
    terms), each variant with the weight a match on it earns."""

    term: str
    variants: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Query:
    text: str
    concepts: tuple[Concept, ...]

    @property
    def all_terms(self) -> list[str]:
        return list(dict.fromkeys(t for c in self.concepts for t, _ in c.variants))


SYNONYM_WEIGHT = 0.8
MAX_CONCEPTS = 24


def parse(text: str) -> Query:
    """The concepts of a question: each distinct term, expanded with its synonyms."""
    concepts: list[Concept] = []
    for term in dict.fromkeys(terms(text)):
        variants: dict[str, float] = {term: 1.0}
        for synonym in _SYNONYMS.get(term, ()):
            # The whole synonym (a dictionary word, so the index holds it whole), never its
            # parts: 小微 must not turn into every 企业.
            if synonym.lower() in terms(synonym):
                variants.setdefault(synonym.lower(), SYNONYM_WEIGHT)
        concepts.append(Concept(term=term, variants=tuple(variants.items())))
        if len(concepts) >= MAX_CONCEPTS:
            break
    return Query(text=text, concepts=tuple(concepts))


@dataclass(frozen=True)
class Stats:
    """What relevance needs to know of the collection: how many searchable versions there
    are and in how many of them each term occurs."""

    documents: int
    df: Mapping[str, int] = field(default_factory=dict)

    def idf(self, term: str) -> float:
        n = max(self.documents, 1)
        d = min(self.df.get(term, 0), n)
        return math.log(1 + (n - d + 0.5) / (d + 0.5))


@dataclass(frozen=True)
class Candidate:
    key: int
    question_terms: str
    answer_terms: str


@dataclass(frozen=True)
class Scored:
    key: int
    score: float
    coverage: float  # share of the question's weight (idf) this candidate matches, 0..1
    matched: tuple[str, ...]


#: BM25 parameters; the question field (question and keywords) counts this many times the answer.
K1, B = 1.2, 0.75
QUESTION_WEIGHT = 3.0
AVG_QUESTION, AVG_ANSWER = 14.0, 90.0
UNKNOWN_SHARE = 0.35


def rank(query: Query, candidates: Iterable[Candidate], stats: Stats, limit: int = 10) -> list[Scored]:
    """Candidates by relevance, best first. Each concept adds the BM25 weight of its best
    variant: ``idf × tf′(k1+1) / (tf′ + k1(1 − b + b·len/avglen))`` over the two fields
    (tf′ = 3·tf in the question + tf in the answer, lengths normalised per field). A candidate
    matching none of the question's concepts is dropped."""
    if not query.concepts:
        return []
    # A term no item holds still counts towards what the question asks (a place name, a
    # topic the base lacks), as a share of the heaviest known term: the question is not all
    # about it, and a small collection's idf does not make it outweigh everything else.
    known = {c.term: stats.idf(c.term) for c in query.concepts if any(stats.df.get(v, 0) for v, _ in c.variants)}
    unknown = UNKNOWN_SHARE * max(known.values(), default=1.0)
    weights = {c.term: known.get(c.term, unknown) for c in query.concepts}
    total_weight = sum(weights.values()) or 1.0
    out: list[Scored] = []
    for cand in candidates:
        q_terms = cand.question_terms.split()
        a_terms = cand.answer_terms.split()
        q_tf, a_tf = Counter(q_terms), Counter(a_terms)
        q_norm = 1 - B + B * len(q_terms) / AVG_QUESTION
        a_norm = 1 - B + B * len(a_terms) / AVG_ANSWER
        score = covered = 0.0
        matched: list[str] = []
        for concept in query.concepts:
            best = 0.0
            for term, weight in concept.variants:
                tf = QUESTION_WEIGHT * q_tf.get(term, 0) / q_norm + a_tf.get(term, 0) / a_norm
                if tf:
                    best = max(best, weight * stats.idf(term) * tf * (K1 + 1) / (tf + K1))
            if best:
                score += best
                covered += weights[concept.term]
                matched.append(concept.term)
        if score:
            out.append(Scored(key=cand.key, score=round(score, 4), coverage=round(min(1.0, covered / total_weight), 4),
                              matched=tuple(matched)))
    out.sort(key=lambda s: (-s.score, s.key))
    return out[:limit]


@dataclass(frozen=True)
class Retrieval:
    """What the full-text index is asked: rows holding one term of every group of
    ``required`` (in the question field alone when ``question_only``), scored by all of
    ``scored``; the index reads ``row_cap`` matching rows at most."""

    required: tuple[tuple[str, ...], ...]
    scored: list[str]
    question_only: bool = False
    row_cap: int = 0

    @property
    def selective(self) -> list[str]:
        return list(dict.fromkeys(t for group in self.required for t in group))

    @property
    def conjunctive(self) -> bool:
        return len(self.required) > 1


#: How many rows the index may have to score for one question: at least this many, or this
#: share of the collection (a few µs a row on either database).
ROW_BUDGET, ROW_BUDGET_SHARE = 3000, 0.03
#: The index scores candidates by this many of the question's rarest terms at most (the
#: re-ranking weighs them all).
MAX_SCORED = 8
#: A question of common terms only asks for this many of its concepts together at most.
MAX_CONJUNCTS = 3


def retrieval(query: Query, stats: Stats, *, common_share: float = 0.2) -> Retrieval:
    """Bound the work of the index whatever the question. Candidates must hold one of the
    question's rarer terms — from the rarest up, as long as their documents add up to no more
    than the row budget — and are scored by every term except those in more than
    ``common_share`` of the versions (they match much and tell little). A small collection
    is searched on every term; in a large one, a document holding only the question's most
    common terms cannot be among the best anyway: they weigh almost nothing.

    When even the rarest term is over the budget (a question of common words), candidates
    must hold several of the question's concepts together — from the rarest concept up,
    until their documents, were the concepts independent, would fit the budget; a part of a
    longer word (临河 of 临河市) adds nothing and is passed over. A question with
    one such concept only looks among the items whose question holds it. Either way the
    index reads no more rows than the budget."""
    budget = max(ROW_BUDGET, int(ROW_BUDGET_SHARE * stats.documents))
    present = sorted((t for t in query.all_terms if stats.df.get(t, 0) > 0), key=lambda t: (stats.df[t], t))
    limit = max(1, int(common_share * stats.documents))
    scored = ([t for t in present if stats.df[t] <= limit] or present[:2])[:MAX_SCORED]
    if not present or stats.df[present[0]] <= budget:
        used = 0
        selective: list[str] = []
        for term in present:
            if selective and used + stats.df[term] > budget:
                break
            selective.append(term)
            used += stats.df[term]
        return Retrieval(required=(tuple(selective),) if selective else (),
                         scored=list(dict.fromkeys([*selective, *scored])), row_cap=budget)
    documents = max(stats.documents, 1)
    concepts = []
    words = [c.term for c in query.concepts]
    for concept in query.concepts:
        if any(concept.term in word and concept.term != word for word in words):
            continue  # a part of a longer word of the question (临河 of 临河市): never rarer than it
        variants = tuple(t for t, _ in concept.variants if stats.df.get(t, 0) > 0)
        if variants:
            concepts.append((min(documents, sum(stats.df[t] for t in variants)), variants))
    concepts.sort()
    chosen: list[tuple[str, ...]] = []
    expected = float(documents)
    for df, variants in concepts:
        if expected <= budget or len(chosen) == MAX_CONJUNCTS:
            break
        if any(a in b or b in a for a in variants for group in chosen for b in group):
            continue
        chosen.append(variants)
        expected *= df / documents
    required = tuple(chosen)
    return Retrieval(required=required, scored=list(dict.fromkeys([*(t for g in required for t in g), *scored])),
                     question_only=len(required) == 1, row_cap=budget)
