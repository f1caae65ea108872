"""The opened backends of one archive: database, blob store and search index."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.blobs.base import BlobStore
from archive.blobs.factory import open_blob_store
from archive.db.engine import make_engine, make_session_factory
from archive.db.migrate import upgrade
from archive.errors import DatabaseUnavailableError
from archive.models import DocumentVersion
from archive.search.base import SearchIndex
from archive.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Archive:
    """Everything a flow needs; open once per process with `open_archive`."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    blobs: BlobStore
    _index: SearchIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> SearchIndex:
        # Opened lazily: commands that never search do not pay for loading the index.
        if self._index is None:
            self._index = self._open_index()
        return self._index

    def _open_index(self) -> SearchIndex:
        from archive.search.factory import open_search_index
        from archive.search.tantivy_index import SearchIndexFormatError

        embedded = self.settings.search_backend == "tantivy"
        lost = embedded and not any(self.settings.resolved_index_dir.glob("*"))
        try:
            index = open_search_index(self.settings)
        except SearchIndexFormatError as error:
            # An upgrade changed how clauses are indexed. The database contains every clause,
            # so start an empty index and let the outbox refill it.
            logger.warning("search index format changed, rebuilding from the database: %s", error)
            index = open_search_index(self.settings, recreate=True)
            with self.session() as session:
                session.execute(update(DocumentVersion).values(indexed_at=None))
            return index
        if lost:
            # The index folder was empty or gone (deleted, or a data directory restored without it).
            # Versions the database still counts as indexed are queued again, so a search does not
            # silently return no results.
            with self.session() as session:
                marked = session.execute(
                    update(DocumentVersion).where(DocumentVersion.indexed_at.is_not(None)).values(indexed_at=None)
                ).rowcount
            if marked:
                logger.warning("search index folder was empty, %s versions queued for indexing again", marked)
        return index

    @property
    def spool_dir(self) -> Path:
        return self.settings.data_dir / "spool"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session that commits on success and rolls back on error."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        self.engine.dispose()


def open_archive(settings: Settings, *, migrate: bool = True) -> Archive:
    """Open the database (running migrations), the blob store and, lazily, the index."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as error:
            engine.dispose()
            detail = str(error.orig or error).strip().splitlines()[0]
            raise DatabaseUnavailableError(url=engine.url.render_as_string(hide_password=True), detail=detail) from error
    logger.info("archive opened data_dir=%s database=%s", settings.data_dir, engine.url.render_as_string())
    return Archive(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        blobs=open_blob_store(settings),
    )
