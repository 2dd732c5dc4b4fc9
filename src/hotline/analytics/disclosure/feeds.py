"""The public feeds of disclosure: the JSON shapes of published months and cases (read from
the stored snapshot and the stored anonymised text only) and the RSS 2.0 document."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from hotline.analytics.disclosure import rules
from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.analytics.disclosure.schemas import PublicCaseOut, PublicMonthOut

TITLE = "12345 政务服务便民热线 · 数据公开与典型案例"
HOME = "/public/disclosure"
DESCRIPTION = "每月受理、办结、按时办结率、满意率和承办单位排名，以及经脱敏、审核后公开的典型案例"


def month_out(m: DisclosureMonth) -> PublicMonthOut:
    f = m.figures or {}
    return PublicMonthOut(ref=m.ref, url=f"{HOME}/months/{m.ref}", period=m.period,
                          label=str(f.get("label") or rules.month_label(m.period)),
                          region_code=str(f.get("region_code", "")), region_name=str(f.get("region_name", "")),
                          published_at=m.published_at, figures=dict(f.get("figures") or {}),
                          previous=f.get("previous"), top_categories=list(f.get("top_categories") or []),
                          ranking=list(f.get("ranking") or []))


def case_out(c: TypicalCase, region_name: str) -> PublicCaseOut:
    assert c.published_at is not None
    return PublicCaseOut(ref=c.ref, url=f"{HOME}/cases/{c.ref}", period=c.period, region_name=region_name,
                         area_name=c.area_name, category_name=c.category_name, title=c.title, appeal=c.appeal,
                         handling=c.handling, result=c.result, published_at=c.published_at)


def _month_text(m: PublicMonthOut) -> str:
    f = m.figures
    parts = [f"受理 {f.get('received') or 0} 件", f"办结 {f.get('handled') or 0} 件",
             f"按时办结率 {rules.percent(f.get('on_time_rate'))}",
             f"满意率 {rules.percent(f.get('satisfaction_rate'))}"]
    if m.top_categories:
        parts.append("主要诉求：" + "、".join(str(c["name"]) for c in m.top_categories))
    return "；".join(parts) + "。"


def rss(base_url: str, months: list[PublicMonthOut], cases: list[PublicCaseOut], *, now: dt.datetime) -> bytes:
    """An RSS 2.0 document: one item per published month and case, newest first."""
    base = base_url.rstrip("/")
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = TITLE
    ET.SubElement(channel, "link").text = base + HOME
    ET.SubElement(channel, "description").text = DESCRIPTION
    ET.SubElement(channel, "language").text = "zh-cn"
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(now.astimezone(dt.UTC), usegmt=True)
    items: list[tuple[dt.datetime, str, str, str, str]] = []
    for m in months:
        items.append((m.published_at, f"{m.region_name}{m.label}热线数据", base + m.url, _month_text(m),
                      f"month:{m.ref}"))
    for c in cases:
        items.append((c.published_at, f"典型案例：{c.title}", base + c.url,
                      f"诉求：{c.appeal}\n办理：{c.handling}\n结果：{c.result}", f"case:{c.ref}"))
    for published, title, link, description, guid in sorted(items, key=lambda i: i[0], reverse=True):
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = title
        ET.SubElement(item, "link").text = link
        ET.SubElement(item, "description").text = description
        ET.SubElement(item, "guid", isPermaLink="false").text = guid
        ET.SubElement(item, "pubDate").text = format_datetime(published.astimezone(dt.UTC), usegmt=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")).encode()
