"""Whole terms: names found by pattern and by cohesion, the dictionary's synonyms, the tokenizer
that keeps them whole, and hotspot labels named as people name the matter."""

import pytest

from hotline.intelligence import hotspots, terms
from tests.intelligence.test_hotspots import NOISE

LIFT = ["锦绣家园小区电梯故障，老人被困半小时", "锦绣家园小区的电梯经常故障，物业不修",
        "锦绣家园电梯故障频发，业主出行困难", "锦绣家园小区3栋电梯故障停运一周", "反映锦绣家园小区电梯故障无人维修",
        "锦绣家园小区电梯又出故障了，希望尽快维修",
        "锦绣家园小区电梯故障多次困人，存在安全隐患", "锦绣家园小区电梯年久失修故障不断"]
LOAN = ["58车贷平台逾期无法提现，请求立案", "在58车贷出借的钱逾期无法提现", "58车贷平台爆雷，本金逾期无法提现",
        "58车贷逾期三个月无法提现，平台客服失联", "58车贷平台逾期无法提现，警方是否立案", "举报58车贷平台逾期无法提现"]
HOSPITAL = ["A市第一人民医院挂号难，排队三小时", "市一医院挂号排队太久", "市一医院挂号难问题何时解决",
            "A市第一人民医院挂号系统经常崩溃"]


def _appeals(*groups):
    texts = [t for g in groups for t in g] + NOISE
    return [hotspots.Appeal(id=str(i), title=t[:20], text=t + "。") for i, t in enumerate(texts)]


@pytest.mark.parametrize(("text", "name", "kind"), [
    ("我住在锦绣家园小区，电梯故障", "锦绣家园小区", "estate"),
    ("K3县光明小区的业主反映", "光明小区", "estate"),
    ("请求公示国富小区的维修资金", "国富小区", "estate"),
    ("幸福小区的业主", "幸福小区", "estate"),
    ("58车贷平台逾期无法提现", "58车贷平台", "platform"),
    ("我在e租宝投资了3万元", "e租宝", "platform"),
    ("123车贷爆雷", "123车贷", "platform"),
    ("P2P平台跑路", "P2P平台", "platform"),
    ("投诉惠民理财平台", "惠民理财平台", "platform"),
    ("举报A市鑫融汇通网络科技有限公司", "鑫融汇通网络科技有限公司", "company"),
    ("K3县大远公司的搅拌站", "大远公司", "company"),
    ("C1区云塘学校公办老师", "云塘学校", "school"),
    ("明德中学食堂承包", "明德中学", "school"),
    ("泷泊镇卫生院收费", "泷泊镇卫生院", "hospital"),
    ("东风路渣土车", "东风路", "road"),
    ("A9县7路公交停运", "7路公交", "road"),
])
def test_named_entities_are_found_whole(text, name, kind):
    found = {(e.text, e.kind) for e in terms.entities(text)}
    assert (name, kind) in found, found
    assert all(text[e.start:e.end] == e.text for e in terms.entities(text))


@pytest.mark.parametrize("text", ["我们小区电梯坏了", "该公司拖欠工资", "物业公司乱收费", "2019年3月", "花了3万元",
                                  "高速公路收费站", "导致小区停水", "投资理财平台", "A市政府", "西地省平台"])
def test_what_is_no_name_is_not_taken_for_one(text):
    assert terms.entities(text) == []


def test_a_digit_initial_platform_is_one_token_and_reads_as_its_term():
    lexicon = terms.lexicon([terms.Term("58车贷平台", "platform", ("58车贷",))])
    words = terms.tokens("在58车贷出借的钱逾期无法提现，58车贷平台客服失联", lexicon)
    assert [w for w, is_term in words if is_term] == ["58车贷平台", "58车贷平台"]
    assert "58" not in [w for w, _ in words]
    assert [w for w, _ in terms.tokens("在58车贷出借")][:2] == ["在", "58"]  # rjieba alone splits it


def test_synonyms_read_as_their_term_longest_first():
    lexicon = terms.lexicon([terms.Term("A市第一人民医院", "hospital", ("市一医院", "一医院"))])
    assert terms.tokens("市一医院挂号难", lexicon)[0] == ("A市第一人民医院", True)
    assert terms.tokens("A市第一人民医院挂号难", lexicon)[0] == ("A市第一人民医院", True)
    spans = terms.token_spans("我在市一医院看病", lexicon)
    assert (2, 6, "A市第一人民医院", True) in spans  # the span is the text's, the word the term's


def test_cohesive_phrases_are_found_over_a_months_texts():
    pairs = [("我在", "出借了八万"), ("举报", "非法集资"), ("", "什么时候退赔"), ("请问", "案件进展"),
             ("关于", "的资产处置")]
    texts = [f"{lead}鑫融汇通{tail}" for lead, tail in pairs]
    texts += ["今天天气很好", "小区门口有垃圾"]
    found = terms.cohesive(texts, stop=hotspots._STOP)
    assert "鑫融汇通" in found
    assert not any(p in found for p in ("鑫融汇", "融汇通"))  # its pieces are not terms of their own
    lexicon = terms.discover(texts, stop=hotspots._STOP)
    assert ("鑫融汇通", True) in terms.tokens("鑫融汇通爆雷", lexicon)


def test_variants_of_one_name_merge_into_the_form_most_used():
    lexicon = terms.discover(LIFT)
    assert lexicon.forms["锦绣家园"] == lexicon.forms["锦绣家园小区"] == "锦绣家园小区"
    assert lexicon.kind("锦绣家园小区") == "estate"


def test_the_dictionary_wins_over_what_discovery_would_name():
    base = terms.lexicon([terms.Term("锦绣家园", "estate", ("锦绣家园小区",))])
    lexicon = terms.discover(LIFT, base)
    assert terms.tokens("锦绣家园小区电梯", lexicon)[0] == ("锦绣家园", True)


def test_a_hotspot_is_labelled_by_its_term_and_what_went_wrong():
    found = hotspots.find(_appeals(LIFT, LOAN, HOSPITAL), top=5)
    labels = [h.label for h in found]
    assert "锦绣家园小区 电梯故障" in labels
    loan = next(h for h in found if h.label.startswith("58车贷平台"))
    assert "提现" in loan.label and loan.terms == ["58车贷平台"] and loan.count == len(LOAN)
    lift = next(h for h in found if h.label.startswith("锦绣家园小区"))
    assert lift.place == "锦绣家园小区" and lift.title  # the central title is kept beside the label
    assert not any(k in ("锦绣", "家园", "58") for h in found for k in h.keywords)


def test_synonyms_merge_a_hotspot_under_the_dictionarys_term():
    dictionary = terms.lexicon([terms.Term("A市第一人民医院", "hospital", ("市一医院",))])
    found = hotspots.find(_appeals(LIFT, HOSPITAL), top=5, dictionary=dictionary)
    hospital = next(h for h in found if "医院" in h.label)
    assert hospital.label.startswith("A市第一人民医院 ") and hospital.count >= len(HOSPITAL)
    assert hospital.terms[0] == "A市第一人民医院"


def test_without_a_lexicon_the_engine_reads_as_before():
    found = hotspots.find(_appeals(LIFT), top=3, discover=False)
    assert found and found[0].label == found[0].title  # the central title, as before terms


def test_dictionary_rows_from_a_table():
    rows = terms.rows([["词条", "类型", "同义词", "启用"],
                       ["A市第一人民医院", "医院", "市一医院、一医院", "是"], ["", "", "", ""],
                       ["58车贷平台", "platform", "58车贷;58车贷APP", "否"], ["某某", "火星", "", ""]])
    assert [(r.line, r.term, r.kind, r.synonyms, r.active) for r in rows] == [
        (2, "A市第一人民医院", "hospital", ("市一医院", "一医院"), True),
        (4, "58车贷平台", "platform", ("58车贷", "58车贷APP"), False),
        (5, "某某", None, (), True)]
    assert terms.rows([["幸福小区", "estate"]])[0].term == "幸福小区"  # no header: term, kind, synonyms, active
