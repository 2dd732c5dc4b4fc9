"""Imports every domain's background job handlers so that a worker knows them all."""

from hotline.auth import tasks as auth_tasks
from hotline.intelligence import tasks as intelligence_tasks
from hotline.knowledge import tasks as knowledge_tasks
from hotline.notify import tasks as notify_tasks
from hotline.selfservice import tasks as selfservice_tasks
from hotline.supervision import tasks as supervision_tasks

__all__ = ["auth_tasks", "intelligence_tasks", "knowledge_tasks", "notify_tasks", "selfservice_tasks",
           "supervision_tasks"]
