"""Every domain's background jobs, in one list: importing it fills the job registry of
``kit.jobs``. Imported at start-up by the app and ``hotline worker`` (``hotline.app.load_tasks``),
never by the kit, which knows no domain. A new domain's ``tasks`` module is added here."""

from hotline.analytics import tasks as analytics_tasks
from hotline.analytics.reports import tasks as report_tasks
from hotline.auth import tasks as auth_tasks
from hotline.channels.boards import tasks as board_tasks
from hotline.inbox import tasks as inbox_tasks
from hotline.integration.federation import tasks as federation_tasks
from hotline.integration.merchants import tasks as merchant_tasks
from hotline.integration.webhooks import tasks as webhook_tasks
from hotline.intelligence import tasks as intelligence_tasks
from hotline.knowledge import tasks as knowledge_tasks
from hotline.notify import tasks as notify_tasks
from hotline.selfservice import tasks as selfservice_tasks
from hotline.supervision import tasks as supervision_tasks
from hotline.telephony import tasks as telephony_tasks
from hotline.telephony.stats import tasks as cti_stats_tasks
from hotline.workorder import tasks as workorder_tasks

__all__ = [
    "analytics_tasks",
    "auth_tasks",
    "board_tasks",
    "cti_stats_tasks",
    "federation_tasks",
    "inbox_tasks",
    "intelligence_tasks",
    "knowledge_tasks",
    "merchant_tasks",
    "notify_tasks",
    "report_tasks",
    "selfservice_tasks",
    "supervision_tasks",
    "telephony_tasks",
    "webhook_tasks",
    "workorder_tasks",
]
