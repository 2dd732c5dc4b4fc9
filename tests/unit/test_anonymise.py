"""Anonymisation for publication (kit.redact.anonymise): every person-identifying piece of a
text is replaced by a neutral word, and what is left reads as the same story."""

import pytest

from hotline.kit.redact import anonymise, find_personal


@pytest.mark.parametrize(("text", "expected"), [
    ("电话13812345678，身份证110105194912310021", "电话[电话]，身份证[身份证号]"),
    ("座机(0571)87654321", "座机[电话]"),
    ("车牌川A12345的车", "车牌[车牌号]的车"),
    ("新能源车粤B·D12345和粤BD12345、沪A12345D", "新能源车[车牌号]和[车牌号]、[车牌号]"),
    ("京A-1234学违停", "[车牌号]违停"),
    ("住3栋2单元501室", "住[门牌号]"),
    ("5号楼1单元302的住户", "[门牌号]的住户"),
    ("住在3-2-501", "住在[门牌号]"),
    ("幸福路18号门口", "幸福路某号门口"),
    ("家住幸福家园小区", "家住某小区"),
    ("住在阳光花园北门", "住在某花园北门"),
    ("市民王建国反映噪音", "市民王某反映噪音"),
    ("业主欧阳娜娜称", "业主欧阳某称"),
    ("业主张女士反映", "业主张女士反映"),
    ("我叫李四，", "我叫李某，"),
    ("联系人：赵小红。", "联系人：赵某。"),
    ("邮箱a.b@example.com", "邮箱[邮箱]"),
    ("卡号6222020012345678901", "卡号[号码]"),
    ("代码91110108MA0100000W", "代码[统一社会信用代码]"),
])
def test_personal_data_is_replaced_by_neutral_words(text, expected):
    assert anonymise(text) == expected


def test_the_orders_own_names_and_places_are_found_wherever_they_appear():
    text = "张建军说东华街道的路灯坏了，张建军家在东城区幸福路1号。"
    out = anonymise(text, names=["张建军"], places=["东华街道"], addresses=["东城区幸福路1号"])
    assert out == "张某说某街道的路灯坏了，张某家在[地址]。"


def test_enterprise_names_are_hidden_only_when_asked():
    text = "已约谈青川安居家电维修有限公司负责人；永辉超市退款"
    assert anonymise(text) == text
    hidden = anonymise(text, hide_enterprises=True, enterprises=["青川安居家电维修有限公司"])
    assert hidden == "已约谈某有限公司负责人；某超市退款"


def test_numbers_dates_and_plain_words_stay():
    text = "工单HL20261205000012于2026年11月5日办结，退款1200元，路灯已修复，本人反映属实"
    assert anonymise(text) == text


@pytest.mark.parametrize("text", [
    "市民王建国（电话13812345678）反映幸福家园3栋2单元501楼上噪音，车牌川A12345",
    "业主欧阳娜娜称青川安居家电维修有限公司（91110108MA0100000W）未退款，住东华街道幸福路18号",
])
def test_anonymising_twice_changes_nothing_and_finds_nothing_more(text):
    known = {"names": ["王建国"], "places": ["东华街道"], "hide_enterprises": True}
    once = anonymise(text, **known)
    assert anonymise(once, **known) == once
    assert find_personal(once, **known) == []


def test_findings_name_their_kind():
    kinds = [f.kind for f in find_personal("川A12345 13812345678 我叫王五")]
    assert kinds == ["plate", "phone", "name"]
