"""Use cases of supervision: the deadline sweep, the projector that keeps ledgers and unit
statistics current from the work-order events, ledgers and evaluation, letters, rectification
and referral, meetings, public notices and the daily reports.

Services take the session first and never commit; the job or request boundary does.

The package is split by subject; ``hotline.supervision.service`` stays the one import path:

- ``sweeps`` — the deadline sweep and escalated supervision;
- ``ledgers`` — the projector and the ledgers;
- ``rankings`` — evaluation, ranking and the orders behind a figure;
- ``letters`` — supervision letters and their templates;
- ``rectification`` — rectification, referral, the authorities of a region, the case file;
- ``meetings`` — admonition talks and joint meetings; ``notices`` — public notices;
- ``daily`` — overdue letters, the daily emergency ledger, the knowledge deadline;
- ``_common`` — private helpers shared by them.

(The attributes ``meetings`` and ``notices`` of this package are the functions, not the
submodules of the same name.)"""

from hotline.supervision.service._common import may_supervise
from hotline.supervision.service.daily import (
    DAILY_REPORT_HOUR,
    clear_knowledge_ledger,
    count_knowledge_deadline,
    daily_reports,
    ledger_overdue_letters,
    send_daily_reports,
)
from hotline.supervision.service.ledgers import (
    PROJECT_BATCH,
    PROJECTOR,
    LedgerRow,
    ledger,
    ledger_filter,
    ledger_rows,
    ledger_xlsx,
    project,
)
from hotline.supervision.service.letters import (
    LETTER_PREFIX,
    LETTER_WORKING_DAYS,
    access_letter,
    issue_letter,
    letter_templates,
    letters_of,
    respond_letter,
    save_letter_template,
)
from hotline.supervision.service.meetings import access_meeting, meeting_orders, meetings, record_meeting
from hotline.supervision.service.notices import (
    NoticeLine,
    access_notice,
    create_notice,
    notice_docx,
    notice_lines,
    notices,
    public_notice,
    public_notices,
    publish_notice,
    update_notice,
    withdraw_notice,
)
from hotline.supervision.service.rankings import (
    Behind,
    BehindRow,
    Ranking,
    RankRow,
    evaluation,
    orders_behind,
    parse_period,
    ranking,
    ranking_xlsx,
)
from hotline.supervision.service.rectification import (
    RECTIFY_REASON,
    authorities,
    authority_for,
    case_file,
    rectify,
    refer,
    refer_overdue_rectifications,
    set_authority,
)
from hotline.supervision.service.sweeps import (
    OVERDUE_NUMBERS_NAMED,
    SWEEP_BATCH,
    SweepResult,
    due_soon_cutoffs,
    escalate,
    escalation_rules,
    save_escalation_rule,
    supervisors_for,
    sweep_batch,
)

__all__ = [
    "DAILY_REPORT_HOUR",
    "LETTER_PREFIX",
    "LETTER_WORKING_DAYS",
    "OVERDUE_NUMBERS_NAMED",
    "PROJECTOR",
    "PROJECT_BATCH",
    "RECTIFY_REASON",
    "SWEEP_BATCH",
    "Behind",
    "BehindRow",
    "LedgerRow",
    "NoticeLine",
    "RankRow",
    "Ranking",
    "SweepResult",
    "access_letter",
    "access_meeting",
    "access_notice",
    "authorities",
    "authority_for",
    "case_file",
    "clear_knowledge_ledger",
    "count_knowledge_deadline",
    "create_notice",
    "daily_reports",
    "due_soon_cutoffs",
    "escalate",
    "escalation_rules",
    "evaluation",
    "issue_letter",
    "ledger",
    "ledger_filter",
    "ledger_overdue_letters",
    "ledger_rows",
    "ledger_xlsx",
    "letter_templates",
    "letters_of",
    "may_supervise",
    "meeting_orders",
    "meetings",
    "notice_docx",
    "notice_lines",
    "notices",
    "orders_behind",
    "parse_period",
    "project",
    "public_notice",
    "public_notices",
    "publish_notice",
    "ranking",
    "ranking_xlsx",
    "record_meeting",
    "rectify",
    "refer",
    "refer_overdue_rectifications",
    "respond_letter",
    "save_escalation_rule",
    "save_letter_template",
    "send_daily_reports",
    "set_authority",
    "supervisors_for",
    "sweep_batch",
    "update_notice",
    "withdraw_notice",
]
