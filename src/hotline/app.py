"""The FastAPI application: every domain's JSON API (``/api/v1``) and pages."""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hotline import __version__
from hotline.config import Settings, get_settings
from hotline.kit import crypto
from hotline.kit import logging as hl_logging
from hotline.kit.db import SessionFactory, is_sqlite, make_engine, make_read_engine, make_session_factory
from hotline.web import errors
from hotline.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from hotline.web.templating import PACKAGE


def create_app(settings: Settings | None = None, session_factory: SessionFactory | None = None, *,
               run_jobs: bool = False) -> FastAPI:
    """The web application. With ``run_jobs`` its lifespan also runs the background job
    worker in a thread (``hotline serve`` on SQLite, or when configured)."""
    load_tasks()
    settings = settings or get_settings()
    settings.ensure_keys()
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    own_engine = session_factory is None
    if session_factory is None:
        engine = make_engine(settings.resolved_database_url)
        # Refuse to serve with keys that do not open this database, or without the audit
        # log's append-only triggers (kit/keyguard.py).
        from hotline.kit import keyguard

        keyguard.startup_checks(engine, crypto.cipher())
        session_factory = make_session_factory(engine)
        read_factory = session_factory
        writers = settings.intake_writers
        if is_sqlite(settings.resolved_database_url):
            read_factory = make_session_factory(make_read_engine(settings.resolved_database_url))
            writers = 1  # SQLite has one writer
    else:  # tests: one connection, inside the test's transaction, serves everything
        read_factory = session_factory
        writers = 1

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if run_jobs:
            from hotline.kit import jobs

            threading.Thread(target=jobs.run_worker, args=(session_factory,), kwargs={"stop": stop},
                             name="worker", daemon=True).start()
        yield
        stop.set()
        app.state.intake_writer.close()
        app.state.cti_writer.close()
        for factory in dict.fromkeys((session_factory, read_factory)):
            bind = factory.kw.get("bind")
            if bind is not None and hasattr(bind, "dispose"):
                bind.dispose()

    app = FastAPI(
        title="hotline — 12345 政务服务便民热线平台",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url=None,  # served by hotline.web.apidocs from the package's own assets
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    from hotline.notify import service as notify_service
    from hotline.notify import wording

    # through the read engine: a text is rendered inside a write transaction, and SQLite's writer
    # pool has one connection
    notify_service.use_wordings(lambda: wording.load(read_factory))
    app.state.read_factory = read_factory
    # where the middleware reads the reference version from a thread of its own (kit.cache):
    # none when one connection serves everything (tests), which a second thread must not touch
    app.state.version_factory = read_factory if own_engine else None
    from hotline.kit.groupcommit import GroupCommitter
    from hotline.workorder import service as workorder_service

    app.state.intake_writer = GroupCommitter("intake", session_factory, workorder_service.write_intakes,
                                             writers=writers)
    from hotline.telephony import service as telephony_service

    app.state.cti_writer = GroupCommitter("cti", session_factory, telephony_service.write_batches, max_batch=8,
                                          writers=writers)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(RequestContextMiddleware)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")

    from hotline.audit import endpoints as audit_api
    from hotline.audit import views as audit_views
    from hotline.auth import endpoints as auth_api
    from hotline.auth import views as auth_views
    from hotline.channels.boards import endpoints as board_api
    from hotline.channels.boards import views as board_views
    from hotline.channels.open311 import views as open311_views
    from hotline.citizen import endpoints as citizen_api
    from hotline.citizen import views as citizen_views
    from hotline.intelligence import endpoints as intelligence_api
    from hotline.intelligence import views as intelligence_views
    from hotline.kit import calendar_endpoints
    from hotline.knowledge import endpoints as knowledge_api
    from hotline.knowledge import public_views as knowledge_public_views
    from hotline.knowledge import views as knowledge_views
    from hotline.org import endpoints as org_api
    from hotline.org import views as org_views
    from hotline.supervision import endpoints as supervision_api
    from hotline.supervision import views as supervision_views
    from hotline.web import views as web_views
    from hotline.workorder import catalogue_endpoints, search_endpoints
    from hotline.workorder import endpoints as workorder_api

    app.include_router(search_endpoints.router, prefix="/api/v1")  # before /work-orders/{number}
    # next the order API: a request is matched against the routers in turn (~3 µs a route),
    # and intake and the lifecycle actions are most of the traffic
    app.include_router(workorder_api.router, prefix="/api/v1")
    from hotline.workbench import endpoints as workbench_api
    from hotline.workbench import views as workbench_views

    app.include_router(workbench_api.router, prefix="/api/v1")
    app.include_router(workbench_views.router, include_in_schema=False)
    from hotline.inbox import endpoints as inbox_api
    from hotline.inbox import views as inbox_views

    app.include_router(inbox_api.router, prefix="/api/v1")
    app.include_router(inbox_views.router, include_in_schema=False)
    from hotline.attachments import endpoints as attachment_api
    from hotline.attachments import views as attachment_views

    app.include_router(attachment_api.router, prefix="/api/v1")
    app.include_router(attachment_views.router, include_in_schema=False)
    from hotline.notify import endpoints as notify_api
    from hotline.notify import views as notify_views

    app.include_router(notify_api.router, prefix="/api/v1")
    app.include_router(notify_views.router, include_in_schema=False)
    for module in (auth_api, org_api, citizen_api, audit_api, calendar_endpoints,
                   catalogue_endpoints, supervision_api, knowledge_api, intelligence_api, board_api):
        app.include_router(module.router, prefix="/api/v1")
    from hotline.telephony import console_endpoints as cti_console_api
    from hotline.telephony import console_views as cti_console_views

    app.include_router(cti_console_api.router, prefix="/api/v1")
    app.include_router(cti_console_views.router, include_in_schema=False)

    from hotline.telephony.stats import endpoints as cti_stats_api
    from hotline.telephony.stats import views as cti_stats_views
    app.include_router(cti_stats_api.router, prefix="/api/v1")
    app.include_router(cti_stats_views.router, include_in_schema=False)
    app.include_router(workorder_api.public_router, prefix="/api/v1")
    app.include_router(supervision_api.public_router, prefix="/api/v1")
    app.include_router(knowledge_api.public_router, prefix="/api/v1")
    from hotline.channels.open311 import endpoints as open311_api

    app.include_router(open311_api.admin_router, prefix="/api/v1")
    from hotline.telephony.quality import endpoints as quality_api

    app.include_router(quality_api.router, prefix="/api/v1")
    app.include_router(open311_api.router)
    from hotline.telephony import endpoints as telephony_api

    app.include_router(telephony_api.router, prefix="/api/v1")
    from hotline.telephony import admin_endpoints as telephony_admin_api
    from hotline.telephony import admin_views as telephony_admin_views

    app.include_router(telephony_admin_api.router, prefix="/api/v1")
    app.include_router(telephony_admin_views.router, include_in_schema=False)
    from hotline.integration.federation import endpoints as federation_api
    from hotline.integration.federation import views as federation_views
    from hotline.integration.webhooks import endpoints as webhook_api
    from hotline.integration.webhooks import views as webhook_views

    app.include_router(webhook_api.router, prefix="/api/v1")
    app.include_router(federation_api.router, prefix="/api/v1")
    app.include_router(federation_views.router, include_in_schema=False)
    app.include_router(webhook_views.router, include_in_schema=False)
    from hotline.integration.linkage import endpoints as linkage_api
    from hotline.integration.linkage import views as linkage_views

    app.include_router(linkage_api.router, prefix="/api/v1")
    app.include_router(linkage_views.router, include_in_schema=False)
    from hotline.demo import webhooks as demo_webhooks

    app.include_router(demo_webhooks.router, include_in_schema=False)
    from hotline.integration.merchants import endpoints as merchant_api
    from hotline.integration.merchants import views as merchant_views

    app.include_router(merchant_api.router, prefix="/api/v1")
    app.include_router(merchant_api.public_router, prefix="/api/v1")
    app.include_router(merchant_views.router, include_in_schema=False)
    from hotline.analytics.disclosure import endpoints as disclosure_api
    from hotline.analytics.disclosure import views as disclosure_views

    app.include_router(disclosure_api.router, prefix="/api/v1")
    app.include_router(disclosure_api.public_router, prefix="/api/v1")
    app.include_router(disclosure_views.router, include_in_schema=False)

    from hotline.analytics.reports import endpoints as report_api
    from hotline.analytics.reports import views as report_views

    app.include_router(report_api.router, prefix="/api/v1")
    app.include_router(report_views.router, include_in_schema=False)

    from hotline.analytics import endpoints as statistics_api
    from hotline.analytics import views as statistics_views

    app.include_router(statistics_api.router, prefix="/api/v1")
    app.include_router(statistics_views.router, include_in_schema=False)

    from hotline.spotcheck import endpoints as spotcheck_api
    from hotline.spotcheck import views as spotcheck_views

    app.include_router(spotcheck_api.router, prefix="/api/v1")
    app.include_router(spotcheck_views.router, include_in_schema=False)
    from hotline.web import apidocs

    app.include_router(apidocs.router)
    from hotline.workorder import admin_views as workorder_admin_views
    from hotline.workorder import public_views as workorder_public_views
    from hotline.workorder import views as workorder_views

    for module in (web_views, auth_views, org_views, citizen_views, audit_views, workorder_views,
                   workorder_public_views, workorder_admin_views, supervision_views, knowledge_views,
                   knowledge_public_views, intelligence_views, open311_views, board_views):
        app.include_router(module.router, include_in_schema=False)
    from hotline.telephony.quality import views as quality_views

    app.include_router(quality_views.router, include_in_schema=False)
    return app


def load_tasks() -> None:
    """Fill the job registry (``kit.jobs`` knows no domain): import every domain's background
    jobs, listed in ``hotline.tasks``. Called at start-up by the app and ``hotline worker``."""
    import hotline.tasks  # noqa: F401


def serving_app() -> FastAPI:
    """The application ``hotline serve`` runs in each web process (uvicorn factory)."""
    from hotline.kit.db import is_sqlite

    settings = get_settings()
    configure_logging(settings)
    # A thread that holds the database (SQLite's one write lock) gives up the GIL on every
    # statement; with the default 5 ms switch interval it may then wait that long to get it
    # back from the event loop, while every other request waits for the lock. 0.5 ms keeps
    # the lock holder moving (docs/adr/0006-request-path.md).
    sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
    inprocess = settings.inprocess_worker
    if inprocess is None:
        inprocess = is_sqlite(settings.resolved_database_url)
    return create_app(settings, run_jobs=inprocess)


def configure_logging(settings: Settings) -> None:
    hl_logging.configure(settings.log_level, settings.log_json)
