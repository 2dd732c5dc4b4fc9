"""Is an appeal an enterprise's (涉企诉求)? Read from what the caller gave and wrote (pure).

An appeal is an enterprise's when the caller gave a unified social credit code, or when the
text speaks for a business in the first person — 我公司, 我们厂, 本企业, 我司, 我店, "作为个体工商户" —
or quotes a valid credit code. A text that merely names a company is not enough: a worker
reporting that 某某有限公司 owes wages is a citizen, not an enterprise — and so is an employee
writing "我们公司" in a sentence about wages, dismissal or insurance. The enterprise line's
statistics count both the appeals whose caller pressed "1" and those recognised here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError

_BUSINESS = ("(?:公司|企业|厂|工厂|店|门店|商店|商行|超市|餐馆|饭店|酒店|合作社|工作室|诊所|药店"
             "|民营企业|小微企业|个体户)")
#: An employee speaks of "our company" too — about wages, dismissal, insurance: not the business's own appeal.
_EMPLOYEE = re.compile("工资|欠薪|薪水|薪资|辞退|开除|裁员|加班|社保|五险|公积金|劳动合同|克扣|赔偿金|工伤"
                       "|离职|入职|员工|老板不")
_SENTENCE = re.compile(r"[。！？!?；;\n]")
#: Only a business speaks so of itself.
_OWN = re.compile(
    rf"本{_BUSINESS}|我司|我社|敝司"
    rf"|(?:作为|我是|我们是)(?:一家|一名|一个)?[^，。！？,.!?]{{0,12}}?(?:企业|公司|个体工商户|个体户|法人|老板|经营者)"
    rf"|(?:公司|企业|厂|店)(?:负责人|法人|法定代表人|老板)[^，。！？,.!?]{{0,4}}?(?:反映|咨询|投诉|求助|来电)")
#: A business, or one of its employees.
_OURS = re.compile(rf"(?:我们|咱们|我)(?:的)?(?:这家|这个|家)?{_BUSINESS}")
_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


@dataclass(frozen=True)
class Recognised:
    reason: str  # what gave it away, to show and to record
    uscc: str | None = None


def recognise(text: str, *, uscc: str | None = None) -> Recognised | None:
    """Why the appeal is an enterprise's, or None when nothing says it is."""
    if uscc:
        return Recognised(reason="统一社会信用代码", uscc=uscc)
    text = text or ""
    for candidate in _CODE.findall(text.upper()):
        try:
            return Recognised(reason=f"文中信用代码 {candidate}", uscc=str(uscc_number.validate(candidate)))
        except ValidationError:
            continue
    own = _OWN.search(text)
    if own:
        return Recognised(reason=f"文中“{own.group(0)}”")
    for found in _OURS.finditer(text):
        start = max((m.end() for m in _SENTENCE.finditer(text, 0, found.start())), default=0)
        end = next((m.start() for m in _SENTENCE.finditer(text, found.end())), len(text))
        if not _EMPLOYEE.search(text[start:end]):
            return Recognised(reason=f"文中“{found.group(0)}”")
    return None
