"""Reports (分析报告): monthly and half-yearly analyses, the enterprise-appeal campaign report, the
special report (信息专报) from a hotspot or an early warning, and the daily emergency and stability
ledger — drafted from :func:`hotline.analytics.service.statistics`, edited, issued as .docx with an
.xlsx annex, archived."""
