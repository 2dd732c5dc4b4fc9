"""Personal data in free text is masked; order numbers, dates, amounts and plain words are not."""

import pytest

from hotline.kit.redact import mask_personal_text


@pytest.mark.parametrize(("text", "masked"), [
    ("我叫王建国，请尽快处理", "我叫王**，请尽快处理"),
    ("姓名：李四；", "姓名：李*；"),
    ("联系人 赵小红", "联系人 赵**"),
    ("联系人是孙悟空。", "联系人是孙**。"),
    ("本人张三丰举报隔壁工厂", "本人张**举报隔壁工厂"),
    ("我是王五，住在3栋", "我是王*，住在3栋"),
    ("姓名：欧阳娜娜说", "姓名：欧***说"),
    ("电话13812345678", "电话138****5678"),
    ("回电 +86 138-1234-5678 谢谢", "回电 138****5678 谢谢"),
    ("打 138 1234 5678", "打 138****5678"),
    ("座机010-12345678", "座机010****5678"),
    ("座机(0571)87654321。", "座机057****4321。"),
    ("座机 0571 8765 4321", "座机 057****4321"),
    ("身份证110105194912310021号", "身份证110***********0021号"),
    ("身份证11010519491231002x", "身份证110***********002x"),
    ("旧证110105491231002", "旧证110********1002"),
])
def test_personal_data_in_text_is_masked(text, masked):
    assert mask_personal_text(text) == masked


@pytest.mark.parametrize("text", [
    "工单HL20261205000012已受理",
    "参见工单 20261205000012",
    "2026年12月05日至2026-12-31期间",
    "罚款15000000元，押金13800元",
    "金额：13812345678901元",
    "银行卡6222021234567890123",
    "编号ABC13812345678",
    "13812345678X型号",
    "我是本小区居民",
    "我是居民，本人反映噪声问题",
    "本人于今日发现路灯不亮",
    "我是一名教师",
    "幸福路12号3栋502室",
    "",
])
def test_everything_else_is_left_as_it_is(text):
    assert mask_personal_text(text) == text


def test_several_items_in_one_text_are_all_masked():
    text = "我叫王建国，电话13812345678，身份证110105194912310021，工单HL20261205000012"
    assert mask_personal_text(text) == "我叫王**，电话138****5678，身份证110***********0021，工单HL20261205000012"


def test_none_reads_as_empty():
    assert mask_personal_text(None) == ""
