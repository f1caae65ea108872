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
