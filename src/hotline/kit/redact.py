"""Masking personal data found in free text (a pure function, no I/O).

A reporter (举报人) is protected by hiding his record from the unit his report is about; that
protection fails if he wrote "我叫王建国，电话13812345678" into the text itself.
:func:`mask_personal_text` finds what identifies a person in Chinese appeal text and masks it
the way the platform masks every field (``kit.crypto``):

- mobile numbers (``1[3-9]`` + 9 digits, also written ``+86 138-1234-5678``) and landlines
  with an area code (``010-12345678``, ``0571 8765 4321``, ``(021)12345678``);
- ID numbers: 18 digits (the last may be X) and the old 15-digit form, with a plausible
  birth date inside;
- a name after 我叫 / 姓名 / 联系人 (2–4 Chinese characters), and after 本人 / 我是 when it
  starts with a common family name (so "我是本小区居民" and "本人反映" stay as they are).

Digits that are part of something longer (an order number ``HL20261205000012``, a 20-digit
account, an amount) are left alone: a match must not touch other digits or Latin letters.
"""

from __future__ import annotations

import re

from hotline.kit.crypto import mask_id_number, mask_name, mask_phone

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_SEP = r"[\s-]?"

_ID = re.compile(
    _EDGE_BEFORE
    + r"(?:[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    + r"|[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})"
    + _EDGE_AFTER
)
_MOBILE = re.compile(
    _EDGE_BEFORE + r"(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4})" + _EDGE_AFTER
)
_LANDLINE = re.compile(
    _EDGE_BEFORE + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}"
    + _EDGE_AFTER
)

#: Common family names (the most frequent few hundred, single and compound), for the ambiguous
#: cues; those that are also everyday words after 本人/我是 ("本人于…", "我是居民") are left out.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
    "朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫"
    "杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧"
    "闭由"
) - frozenset("于居和向来时原全由应相初门都那但信利公平国元解区位普当") | frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "夏侯"})

_HAN = r"[\u4e00-\u9fff]"
# 我叫/姓名/联系人 announce a name; 本人/我是 only sometimes do (checked against SURNAMES).
_NAME = re.compile(r"(我叫|姓名|联系人|本人|我是)([:：\s]*(?:是|叫|为)?[:：\s]*)(" + _HAN + r"{2,4})")
_SURE_CUES = frozenset({"我叫", "姓名", "联系人"})


def _mask_name(match: re.Match[str]) -> str:
    """A name is 2–3 characters, 4 with a compound family name (欧阳娜娜); what follows it
    unpunctuated ("本人张三举报") stays readable."""
    cue, glue, candidate = match.group(1), match.group(2), match.group(3)
    compound = candidate[:2] in SURNAMES
    if cue not in _SURE_CUES and not (compound or candidate[0] in SURNAMES):
        return match.group(0)
    length = 4 if compound else 3
    return cue + glue + (mask_name(candidate[:length]) or "") + candidate[length:]


def mask_personal_text(text: str | None) -> str:
    """``text`` with names, phone numbers and ID numbers masked (see the module's rules).
    Everything else — order numbers, dates, amounts, addresses — is returned unchanged."""
    if not text:
        return text or ""
    out = _ID.sub(lambda m: mask_id_number(m.group(0)) or "", text)
    out = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(1))) or "", out)
    out = _LANDLINE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))) or "", out)
    return _NAME.sub(_mask_name, out)
