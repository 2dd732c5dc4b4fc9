"""Pure formatting of a report's figures: one rule for the document, the annex, the page and the
tests that compare a report with :func:`hotline.analytics.service.statistics`.

A table cell is either a text or a pair ``[value, format]`` with format one of ``count``
(an integer, grouped by thousands), ``rate`` (0..1 shown as a percentage), ``change`` (a
relative change, signed percentage), ``pp`` (a difference of rates in percentage points),
``avg`` (one decimal) — ``None`` is shown as a dash."""

from __future__ import annotations

from typing import Any

DASH = "—"
FORMATS = frozenset({"text", "count", "rate", "change", "pp", "avg"})


def cell(value: Any, fmt: str) -> str:
    if value is None:
        return DASH
    if fmt == "count":
        return f"{int(value):,}"
    if fmt == "rate":
        return f"{float(value) * 100:.1f}%"
    if fmt == "change":
        return f"{float(value) * 100:+.1f}%"
    if fmt == "pp":
        return f"{float(value) * 100:+.1f}个百分点"
    if fmt == "avg":
        return f"{float(value):.1f}"
    return str(value)


def text_of(c: Any) -> str:
    """The text of a stored cell (see the module docstring)."""
    if isinstance(c, list) and len(c) == 2 and isinstance(c[1], str):
        return cell(c[0], c[1])
    return DASH if c is None else str(c)


def number_of(c: Any) -> Any:
    """The value of a stored cell for the spreadsheet: numbers stay numbers (a rate as a
    fraction, formatted as a percentage there), texts stay texts."""
    if isinstance(c, list) and len(c) == 2 and isinstance(c[1], str):
        return c[0]
    return c


def change(current: Any, before: Any) -> float | None:
    """Relative change (环比/同比) of a count; None when there is nothing to compare with."""
    if current is None or before is None or not before:
        return None
    return (float(current) - float(before)) / float(before)


def difference(current: Any, before: Any) -> float | None:
    """Change of a rate, in fractions (shown in percentage points)."""
    if current is None or before is None:
        return None
    return float(current) - float(before)


def pct(value: float | None) -> str:
    """A rate or share in running text: ``85.3%``."""
    return DASH if value is None else f"{value * 100:.1f}%"


def trend_words(rel: float | None, *, noun: str = "") -> str:
    """``环比上升 12.5%`` / ``下降 3.0%`` / ``持平`` for running text (empty when unknown)."""
    if rel is None:
        return ""
    if abs(rel) < 0.0005:
        return f"{noun}持平"
    return f"{noun}{'上升' if rel > 0 else '下降'} {abs(rel) * 100:.1f}%"


def pp_words(diff: float | None, *, noun: str = "") -> str:
    if diff is None:
        return ""
    if abs(diff) < 0.0005:
        return f"{noun}持平"
    return f"{noun}{'提高' if diff > 0 else '下降'} {abs(diff) * 100:.1f} 个百分点"
