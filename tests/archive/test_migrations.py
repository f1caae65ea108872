import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from archive.context import Archive
from archive.models import Base


def test_migrations_create_every_table(archive: Archive) -> None:
    tables = set(inspect(archive.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_match_models(archive: Archive) -> None:
    with archive.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_keeps_existing_versions(backend: str, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    from contextlib import nullcontext

    from alembic import command
    from sqlalchemy import text

    from archive.db.engine import make_engine
    from archive.db.migrate import alembic_config, upgrade
    from tests.conftest import postgres_database

    database = postgres_database("migrate") if backend == "postgresql" else nullcontext(f"sqlite:///{tmp_path}/old.sqlite3")
    with database as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
            connection.execute(text("INSERT INTO blob (sha256, size, media_type, created_at) VALUES ('a', 1, 'application/pdf', CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO document (id, kind, kind_source, created_at) VALUES (1, 'contract', 'detected', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO document_version (id, document_id, blob_sha256, version_number, filename, media_type, size,"
                " uploaded_by, uploaded_at, state, has_revisions, needs_ocr_pages, warnings, link_candidates, link_query)"
                " VALUES (1, 1, 'a', 1, 'old.pdf', 'application/pdf', 1, 'local', CURRENT_TIMESTAMP, 'ingested', false,"
                " '[]', '[]', '[]', '{}')"
            ))

        upgrade(engine)

        with engine.connect() as connection:
            row = connection.execute(text("SELECT revisions, comments, page_furniture FROM document_version")).one()
        engine.dispose()
    assert [json_value(v) for v in row] == [[], [], []]


def json_value(value):  # type: ignore[no-untyped-def]
    import json

    return json.loads(value) if isinstance(value, str) else value
