"""The FastAPI application: JSON API under /api and the web pages, one process."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.access_routes import router as access_router
from api.account_routes import router as account_router
from api.deletion_routes import router as deletion_router
from api.evidence_routes import router as evidence_router
from api.performance_routes import router as performance_router
from api.report_routes import router as report_router
from api.version_routes import router as version_router
from api.auth import enforce_access
from api.errors import install_error_handlers
from api.security_headers import SecurityHeadersMiddleware
from api.routes import router as api_router
from archive.context import open_archive
from archive.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the archive opens in the lifespan, so importing this module touches nothing."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        archive = open_archive(settings)
        app.state.archive = archive
        _finish_interrupted_work(archive)
        _freeze_startup_objects()
        try:
            yield
        finally:
            archive.close()

    app = FastAPI(
        title="contract-archive",
        summary="Contracts, their clauses and documents, searchable in Chinese and English.",
        lifespan=lifespan,
        # Every route checks its access rule first. The built-in documentation pages would bypass
        # it, so they are off; GET /api/openapi.json serves the schema to signed-in users.
        dependencies=[Depends(enforce_access)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(account_router)
    app.include_router(access_router)
    app.include_router(deletion_router)
    app.include_router(performance_router)
    app.include_router(report_router)
    app.include_router(version_router)
    app.include_router(evidence_router)

    from web.pages import mount_pages

    mount_pages(app)
    return app


def _finish_interrupted_work(archive) -> None:  # type: ignore[no-untyped-def]
    """Process versions left pending, index versions the index lacks and end builds left unfinished (after a crash)."""
    from ingest import jobs
    from ingest.indexing import index_pending
    from ingest.pipeline import process_pending

    if not jobs.runs_inline(archive):
        return  # workers pick up pending versions and index them
    from archive.services.evidence_builds import interrupt_unfinished_builds

    if interrupted := interrupt_unfinished_builds(archive):
        logger.warning("evidence pack builds interrupted by the last shutdown builds=%s", interrupted)
    finished = process_pending(archive)
    indexed = index_pending(archive)
    if finished or indexed:
        logger.info("recovered pending versions=%s indexed_clauses=%s", len(finished), indexed)


def _freeze_startup_objects() -> None:
    """Move the objects alive after the first startup out of the garbage collector's sight.

    The modules, settings, index and templates live as long as the process. Without this, every
    full collection walks all of them again, which added about 100 ms to one request in twenty in
    `bench/pages.py`. Only the first app of a process freezes, so tests that build many apps
    freeze once.
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
