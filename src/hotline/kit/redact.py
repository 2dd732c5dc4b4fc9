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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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


# --- anonymisation for publication ----------------------------------------------------------------
#
# Masking (above) keeps a trace for staff who may see part of a value (王**, 138****5678).
# Publication (typical cases on the public disclosure page) keeps nothing: every finding is
# replaced by a neutral word — 王某, [电话], [身份证号], [车牌号], 某小区, 某号, 某公司 — and the
# replacements are themselves clean, so anonymising twice changes nothing and a text that
# :func:`find_personal` finds nothing in is publishable.


@dataclass(frozen=True)
class Finding:
    """One piece of personal (or, on request, enterprise) data found in a text."""

    kind: str
    start: int
    end: int
    replacement: str
    #: found by a pattern that guesses (a cue word, a suffix) rather than by a sure rule
    guess: bool = False



#: What each kind of finding is called (for the refusal that names it).
FINDING_NAMES = {
    "id_number": "身份证号", "phone": "电话号码", "plate": "车牌号", "email": "电子邮箱", "number": "长号码",
    "uscc": "统一社会信用代码", "name": "姓名", "address": "地址", "house_number": "门牌号",
    "place": "地名", "estate": "小区名称", "enterprise": "企业名称",
}

_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE_CHAR = "[A-HJ-NP-Za-hj-np-z0-9]"
#: 川A12345, 粤B·D12345 (new energy: D/F then five, or five then D/F), 京A-1234学.
_PLATE = re.compile(
    f"[{_PLATE_PROVINCES}][A-Za-z]" + r"[\s·•．.\-]?"
    + f"(?:[DFdf]{_PLATE_CHAR}" + r"\d{4}|\d{5}[DFdf]|" + f"{_PLATE_CHAR}{{4}}[A-HJ-NP-Za-hj-np-z0-9挂学警港澳领])"
    + _EDGE_AFTER
)
_USCC = re.compile(_EDGE_BEFORE + r"[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{2}\d{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10}"
                   + _EDGE_AFTER)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: Any other run of 11 or more digits (bank cards, QQ numbers, old account numbers …).
_LONG_NUMBER = re.compile(_EDGE_BEFORE + r"\d(?:[\s-]?\d){10,}" + _EDGE_AFTER)
#: 3栋2单元501, 5号楼1单元302室, 12幢, 3-2-501 …
_HOUSE = re.compile(
    r"\d+(?:号楼|栋|幢|座|号院|单元)(?:\d+(?:单元|栋|幢|座))?(?:\d+(?:室|号|层|楼|户)?)?"
    + r"|" + _EDGE_BEFORE + r"\d{1,3}-\d{1,2}-\d{2,4}" + _EDGE_AFTER
)
#: the number on a road: 幸福路18号, 人民大道100-2号 (the road's name alone says little)
_ROAD_NUMBER = re.compile(r"(?<=[路街道巷弄里同])\d+(?:-\d+)?号(?:院|楼)?")
_ESTATE = re.compile(_HAN + r"{2,12}?((?:花园|家园|嘉园|公寓|新村|大厦)(?:小区)?|小区|社区|村委会|居委会)")
_ENTERPRISE = re.compile(r"[\u4e00-\u9fff（）()]{2,24}?(有限责任公司|股份有限公司|有限公司|分公司|公司|集团|商行|超市|"
                         r"酒店|宾馆|饭店|餐厅|工厂|门店)")
#: Words a place or company name does not start with: a candidate is cut after the last one.
_LEAD_WORDS = re.compile(
    r".*(?:反映|投诉|举报|位于|家住|居住|住在|地址|附近|门口|楼下|对面|旁边|所在|关于|要求|希望|表示|认为|发现|"
    r"联系|拨打|拖欠|购买|入职|就职|工作|租住|入住|咨询|来电|市民|居民|业主|约谈|责令|督促|协调|告知|通知|"
    r"[住在于到至从是的了和与及对向称将把被该其等给为已经由:：，,。、\s])"
)
#: Cue words after which a family name starts a person's name (市民王建国反映 …).
_PERSON_CUES = re.compile(r"(来电人|诉求人|投诉人|反映人|举报人|当事人|市民|居民|业主|村民|租户|房东|邻居)"
                          + r"(" + _HAN + r"{2,4})")
#: Characters a given name stops before (a verb or particle that follows the name).
_NAME_STOPS = frozenset("反称说在于向和与的了是等到被对因从将也都就已来去要想请自家住先女师阿老小某")
_TITLES = ("先生", "女士", "师傅", "阿姨", "大爷", "老师", "同学", "某")


def _pseudonym(name: str) -> str:
    """王建国 → 王某, 欧阳娜娜 → 欧阳某."""
    return (name[:2] if name[:2] in SURNAMES else name[:1]) + "某"


def _lead_trimmed(candidate: str) -> tuple[int, str]:
    """The offset where a name inside ``candidate`` starts, and the name (after the last lead word)."""
    lead = _LEAD_WORDS.match(candidate)
    offset = lead.end() if lead else 0
    return offset, candidate[offset:]


def _cue_names(text: str) -> list[Finding]:
    out = []
    for m in _NAME.finditer(text):
        cue, candidate = m.group(1), m.group(3)
        compound = candidate[:2] in SURNAMES
        if cue not in _SURE_CUES and not (compound or candidate[0] in SURNAMES):
            continue
        length = min(len(candidate), 4 if compound else 3)
        name = candidate[:length]
        if "某" in name:
            continue
        start = m.start(3)
        out.append(Finding("name", start, start + length, _pseudonym(name), guess=True))
    for m in _PERSON_CUES.finditer(text):
        candidate = m.group(2)
        compound = candidate[:2] in SURNAMES
        surname = 2 if compound else 1
        if not (compound or candidate[0] in SURNAMES) or candidate.startswith(_TITLES, surname):
            continue
        given = ""
        for ch in candidate[surname:surname + 2]:
            if ch in _NAME_STOPS:
                break
            given += ch
        if not given:
            continue
        start = m.start(2)
        out.append(Finding("name", start, start + surname + len(given), candidate[:surname] + "某", guess=True))
    return out


def _literal(text: str, values: Iterable[str], kind: str, replacement: Callable[[str], str]) -> list[Finding]:
    out = []
    for value in sorted({v.strip() for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True):
        for m in re.finditer(re.escape(value), text):
            out.append(Finding(kind, m.start(), m.end(), replacement(value)))
    return out


def _suffixed(text: str, pattern: re.Pattern[str], kind: str) -> list[Finding]:
    """Names ending in a kind word (小区, 有限公司 …), cut after the last lead word; ``某`` + the kind."""
    out = []
    for m in pattern.finditer(text):
        suffix = m.group(1)
        offset, name = _lead_trimmed(m.group(0)[: -len(suffix)])
        if len(name) < 2 or "某" in name:
            continue
        word = "小区" if suffix.endswith("小区") else suffix
        out.append(Finding(kind, m.start() + offset, m.end(), "某" + word, guess=True))
    return out


def _place_word(name: str) -> str:
    for suffix in ("街道", "社区", "村委会", "居委会", "镇", "乡", "村", "街", "路"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return "某" + suffix
    return "某地"


def _enterprise_word(name: str) -> str:
    m = _ENTERPRISE.fullmatch(name)
    return "某" + (m.group(1) if m else "企业")


def find_personal(text: str | None, *, names: Iterable[str] = (), addresses: Iterable[str] = (),
                  places: Iterable[str] = (), enterprises: Iterable[str] = (),
                  hide_enterprises: bool = False) -> list[Finding]:
    """Everything in ``text`` that identifies a person — ID numbers, phone numbers, e-mail
    addresses, other long numbers, vehicle plates, USCCs, names (the ``names`` given wherever
    they appear, and names after cue words), the ``addresses`` given, ``places`` (names of
    townships, streets and communities), estates, house numbers and road numbers — and, with
    ``hide_enterprises``, enterprise names (the ``enterprises`` given and names ending in
    有限公司, 超市 …). Non-overlapping, in order; the first and longest wins an overlap."""
    if not text:
        return []
    found: list[Finding] = []
    found += [Finding("id_number", m.start(), m.end(), "[身份证号]") for m in _ID.finditer(text)]
    found += [Finding("uscc", m.start(), m.end(), "[统一社会信用代码]") for m in _USCC.finditer(text)]
    found += [Finding("phone", m.start(), m.end(), "[电话]") for m in _MOBILE.finditer(text)]
    found += [Finding("phone", m.start(), m.end(), "[电话]") for m in _LANDLINE.finditer(text)]
    found += [Finding("email", m.start(), m.end(), "[邮箱]") for m in _EMAIL.finditer(text)]
    found += [Finding("plate", m.start(), m.end(), "[车牌号]") for m in _PLATE.finditer(text)]
    found += [Finding("number", m.start(), m.end(), "[号码]") for m in _LONG_NUMBER.finditer(text)]
    found += _literal(text, addresses, "address", lambda _v: "[地址]")
    found += _literal(text, names, "name", _pseudonym)
    if hide_enterprises:
        found += _literal(text, enterprises, "enterprise", _enterprise_word)
        found += _suffixed(text, _ENTERPRISE, "enterprise")
    found += _literal(text, places, "place", _place_word)
    found += _suffixed(text, _ESTATE, "estate")
    found += [Finding("house_number", m.start(), m.end(), "某号") for m in _ROAD_NUMBER.finditer(text)]
    found += [Finding("house_number", m.start(), m.end(), "[门牌号]") for m in _HOUSE.finditer(text)]
    found += _cue_names(text)
    # the sure findings first (numbers, plates, what the order itself names), then the guesses
    # (names after cue words, estates, companies by their suffix); the first and longest wins
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.guess, f.start, -(f.end - f.start))):
        if f.end > f.start and all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def anonymise(text: str | None, **known: Any) -> str:
    """``text`` with every :func:`find_personal` finding replaced (same keyword arguments).
    Anonymising an anonymised text changes nothing."""
    if not text:
        return text or ""
    out, last = [], 0
    for f in find_personal(text, **known):
        out.append(text[last:f.start])
        out.append(f.replacement)
        last = f.end
    out.append(text[last:])
    return "".join(out)
